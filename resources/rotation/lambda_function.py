"""Break Glass: the reference rotation function (AWS Lambda, Python 3.11+ runtime, boto3 only).

Deployed in the IAM account by `main.py provision --apply` (or the `render-cfn` templates) when
`[rotation] lambda_function` is set; the app invokes it synchronously at the end of every
incident and then checks the outcome itself (new record in Vault, its key active and
answering GetCallerIdentity, the old key gone).

Event (the payload of aws-samples' IAM access-key auto-rotation):
    {"account": "<IAM account>", "name": "<user>", "email": "<operator>", "ForceRotate": "<user>"}

Order (the app's direct rotation keeps the same guarantee: at every instant the user has a
working credential that is stored in Vault):
    1. refuse anything but a listed break-glass user of this very account;
    2. log in to Vault with AppRole (the secret id is an SSM SecureString, never in the code
       or the environment) and read the record and its version;
    3. delete keys that are not the one in Vault (IAM allows two per user), create the new key;
    4. write the new key and a new console password to Vault with check-and-set on the version
       read (a concurrent change is refused; the new key is then deleted again);
    5. set the console password, then deactivate and delete the old key;
    6. revoke the Vault token. The answer carries no secret.

Environment: BREAKGLASS_USERS (comma-separated), VAULT_ADDR, VAULT_ROLE_ID,
VAULT_SECRET_ID_PARAMETER, and optionally VAULT_NAMESPACE, VAULT_CACERT_PEM (Vault's CA, PEM),
VAULT_KV_MOUNT (secret), VAULT_KV_PREFIX (breakglass/users).
"""

from __future__ import annotations

import json
import os
import secrets
import ssl
import string
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

PASSWORD_SYMBOLS = "!@#$%^&*()_+-=[]{}|"  # noqa: S105 - the symbols IAM accepts, no password
TIMEOUT_S = 10


class RotationError(Exception):
    """The rotation did not happen (or was rolled back); the message says which step."""


def lambda_handler(
    event: Mapping[str, Any],
    context: Any = None,
    *,
    aws: Callable[[str], Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The entry point. `aws` (service → client) and `environ` are for the drill and tests,
    which run this very function in-process; Lambda calls it with the event and context."""
    env = dict(os.environ if environ is None else environ)
    if aws is None:
        import boto3

        aws = boto3.client
    user = _requested_user(event, env)
    sts, iam, ssm = aws("sts"), aws("iam"), aws("ssm")
    if str(event.get("account", "")) != sts.get_caller_identity()["Account"]:
        raise RotationError("the event names another account than the one this function is in")
    vault = Vault(env)
    secret_id = ssm.get_parameter(Name=env["VAULT_SECRET_ID_PARAMETER"], WithDecryption=True)
    vault.login(env["VAULT_ROLE_ID"], secret_id["Parameter"]["Value"])
    try:
        return _rotate(iam, vault, user, env)
    finally:
        vault.logout()


def _requested_user(event: Mapping[str, Any], env: Mapping[str, str]) -> str:
    allowed = {u.strip() for u in env.get("BREAKGLASS_USERS", "").split(",") if u.strip()}
    user = str(event.get("ForceRotate", ""))
    if not user or user != str(event.get("name", "")):
        raise RotationError("the event must name the same user in `name` and `ForceRotate`")
    if user not in allowed:
        raise RotationError(f"{user!r} is not a break-glass user this function may rotate")
    return user


def _rotate(iam: Any, vault: Vault, user: str, env: Mapping[str, str]) -> dict[str, Any]:
    path = f"{env.get('VAULT_KV_PREFIX', 'breakglass/users').strip('/')}/{user}"
    record, version = vault.read(path)
    old = str(record.get("access_key_id", ""))
    for key in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
        if key["AccessKeyId"] != old:  # not in Vault: nobody can use it legitimately
            iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    new = iam.create_access_key(UserName=user)["AccessKey"]
    password = new_password()
    updated = {
        **record,
        "access_key_id": new["AccessKeyId"],
        "secret_access_key": new["SecretAccessKey"],
        "console_password": password,
        "rotated_for": "",
    }
    try:
        written = vault.write(path, updated, cas=version)
    except RotationError:
        iam.delete_access_key(UserName=user, AccessKeyId=new["AccessKeyId"])
        raise
    iam.update_login_profile(UserName=user, Password=password, PasswordResetRequired=False)
    if old and old != new["AccessKeyId"]:
        iam.update_access_key(UserName=user, AccessKeyId=old, Status="Inactive")
        iam.delete_access_key(UserName=user, AccessKeyId=old)
    return {
        "status": "rotated",
        "user": user,
        "access_key_id": new["AccessKeyId"],
        "vault_version": written,
    }


def new_password(length: int = 32) -> str:
    """Letters, digits and symbols, each class at least once (any IAM password policy)."""
    alphabet = string.ascii_letters + string.digits + PASSWORD_SYMBOLS
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(
            any(c in group for c in value)
            for group in (
                string.ascii_lowercase,
                string.ascii_uppercase,
                string.digits,
                PASSWORD_SYMBOLS,
            )
        ):
            return value


class Vault:
    """Just enough of Vault's HTTP API: AppRole login, KV v2 read and check-and-set write,
    revoke-self. Verified TLS only (the runtime's trust store, or VAULT_CACERT_PEM)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.address = env["VAULT_ADDR"].rstrip("/")
        if not self.address.startswith("https://"):
            raise RotationError("VAULT_ADDR must be https://")
        self.namespace = env.get("VAULT_NAMESPACE", "")
        self.mount = env.get("VAULT_KV_MOUNT", "secret").strip("/")
        pem = env.get("VAULT_CACERT_PEM", "")
        self.context = ssl.create_default_context(cadata=pem or None)
        if not pem:
            self.context.load_default_certs()
        self.token = ""

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(  # noqa: S310 - https only (checked above)
            f"{self.address}/v1/{path}",
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        if self.token:
            request.add_header("X-Vault-Token", self.token)
        if self.namespace:
            request.add_header("X-Vault-Namespace", self.namespace)
        # No proxy handler: the function reaches Vault directly, whatever the environment says.
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=self.context)
        )
        try:
            with opener.open(request, timeout=TIMEOUT_S) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            try:
                errors = json.loads(exc.read()).get("errors", [])
            except ValueError:
                errors = []
            raise RotationError(f"Vault {method} {path}: HTTP {exc.code} {errors}") from None
        except OSError as exc:
            raise RotationError(f"Vault cannot be reached: {exc}") from None
        return json.loads(raw) if raw else {}

    def login(self, role_id: str, secret_id: str) -> None:
        auth = self._call(
            "POST", "auth/approle/login", {"role_id": role_id, "secret_id": secret_id}
        )
        self.token = str(auth["auth"]["client_token"])

    def read(self, path: str) -> tuple[dict[str, Any], int]:
        data = self._call("GET", f"{self.mount}/data/{path}")["data"]
        return dict(data["data"] or {}), int(data["metadata"]["version"])

    def write(self, path: str, record: dict[str, Any], cas: int) -> int:
        body = {"options": {"cas": cas}, "data": record}
        return int(self._call("POST", f"{self.mount}/data/{path}", body)["data"]["version"])

    def logout(self) -> None:
        if self.token:
            try:
                self._call("POST", "auth/token/revoke-self")
            finally:
                self.token = ""
