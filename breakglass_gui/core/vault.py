"""HashiCorp Vault for the break-glass procedure (docs/rules.md §2.3, §8), through hvac.

HTTPS with certificate verification only, drills included.
`VAULT_SKIP_VERIFY` is refused, and no other `VAULT_*`/`BAO_*` variable has any effect: the
address, CA and namespace come from the config, no ambient token (`VAULT_TOKEN`,
`~/.vault-token`) is ever picked up — the token comes from the login this incident performs,
lives in memory and is revoked at the end — and the HTTP session ignores proxy, netrc and CA
variables (core/network.py). Every Vault failure becomes a VaultError with an operator message.

The token is bounded: its TTL comes from the auth method (the shipped set-up gives 30 minutes,
12 hours at most); `renewal_due()`/`renew_token()` keep it alive while the incident needs Vault,
and its accessor and expiry are handed to the journal, so a token orphaned by a crash can be
revoked by accessor where the policy allows, or is recorded with the time it lapses. Every
response's `request_id` is kept (`request_ids`) for the journal: an auditor matches them
against Vault's own audit log.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from breakglass_gui.core.config import VaultConfig
from breakglass_gui.core.config.load import vault_address_problem
from breakglass_gui.core.errors import VaultError
from breakglass_gui.core.network import Network
from breakglass_gui.core.secret import Secret
from breakglass_gui.core.vault_auth import AuthMethod, Login
from breakglass_gui.core.vault_errors import classify, vault_error

if TYPE_CHECKING:
    import hvac
    import requests

log = logging.getLogger(__name__)
T = TypeVar("T")

RECORD_FIELDS = (
    "access_key_id",
    "secret_access_key",
    "console_password",
    "mfa_serial",
    "username",
    "account_id",
)
SECRET_FIELDS = ("secret_access_key", "console_password")


@dataclass(frozen=True)
class VaultHealth:
    initialized: bool
    sealed: bool
    standby: bool
    version: str
    cluster_name: str


@dataclass(frozen=True)
class RecordMetadata:
    """A KV v2 record's metadata: what readiness may know without reading the secret."""

    user: str
    current_version: int
    updated: str  # RFC 3339, the current version's creation time
    deleted: bool  # the current version is soft-deleted or destroyed


@dataclass(frozen=True)
class SealStatus:
    sealed: bool
    threshold: int
    shares: int
    progress: int

    def describe(self) -> str:
        if not self.sealed:
            return "Vault is unsealed."
        return f"{self.progress} of {self.threshold} key shares entered"


@dataclass
class BreakGlassRecord:
    """The §8 record. Secret fields are Secret objects; `version` is the KV version read."""

    username: str
    account_id: str
    mfa_serial: str
    access_key_id: str
    secret_access_key: Secret
    console_password: Secret
    version: int
    rotated_for: str = ""

    def public(self) -> dict[str, Any]:
        """What may be shown and journaled: identifiers, never secret values."""
        return {
            "user": self.username,
            "account_id": self.account_id,
            "mfa_serial": self.mfa_serial,
            "access_key_id": self.access_key_id,
            "version": self.version,
        }

    def wipe(self) -> None:
        self.secret_access_key.wipe()
        self.console_password.wipe()


def required_capabilities(config: VaultConfig, user: str) -> dict[str, tuple[str, ...]]:
    """What the procedure does with its token on each path, for one break-glass user: the
    shipped policy (resources/vault/breakglass-operator.hcl) grants exactly this, and
    readiness asks Vault (`sys/capabilities-self`) for each one."""
    mount, path = config.kv_mount.strip("/"), config.kv_path(user)
    return {
        f"{mount}/data/{path}": ("read", "update"),  # the record; check-and-set rotation
        f"{mount}/metadata/{path}": ("read",),  # readiness: version and age, not values
        "auth/token/lookup-self": ("read",),
        "auth/token/renew-self": ("update",),
        "auth/token/revoke-self": ("update",),
        "sys/capabilities-self": ("update",),
    }


class VaultGateway:
    """One Vault conversation: health, unseal, login, the record, token revocation."""

    def __init__(
        self,
        config: VaultConfig,
        auth: AuthMethod,
        *,
        session: requests.Session | None = None,
        network: Network | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if os.environ.get("VAULT_SKIP_VERIFY", "").strip().lower() not in ("", "0", "false"):
            raise VaultError(
                "VAULT_SKIP_VERIFY is set in the environment. Break Glass never talks to Vault "
                "without verifying its certificate; unset it and configure vault.ca_bundle.",
                code="vault.skip_verify",
            )
        problem = vault_address_problem(config.address)
        if problem:
            raise VaultError(f"vault.address: {problem}", code="vault.address")
        self._config = config
        self._auth = auth
        self._session = session
        self._network = network or Network()
        self._client: hvac.Client | None = None
        self._server: hvac.Client | None = None
        self._requests: requests.Session | None = None
        self._token: Secret | None = None
        self._monotonic = monotonic
        self._renew_at: float | None = None  # monotonic time after which to renew
        self.request_ids: list[str] = []  # every response's request_id, in order
        self.accessor = ""  # the held token's accessor (not a secret: it reads nothing)

    @property
    def client(self) -> hvac.Client:
        """The client for the configured namespace: login, the record, the token."""
        if self._client is None:
            self._client = self._new_client(self._config.namespace or None)
        return self._client

    @property
    def server(self) -> hvac.Client:
        """The client for the server itself: health, seal status and unseal exist only in the
        root namespace (OpenBao answers "operation unavailable in namespaces" otherwise)."""
        if not self._config.namespace:
            return self.client
        if self._server is None:
            self._server = self._new_client(None)
        return self._server

    def _new_client(self, namespace: str | None) -> hvac.Client:
        import hvac

        ca_file = self._config.ca_bundle or self._network.ca_file
        if self._requests is None:
            self._requests = self._session or self._network.requests_session(ca_file)
            self._requests.trust_env = False  # no proxy, netrc or CA variables from the env
            self._requests.proxies = {}  # Vault is reached directly (core/network.py)
        return hvac.Client(
            url=self._config.address,  # never VAULT_ADDR
            token="",  # never VAULT_TOKEN or ~/.vault-token
            verify=ca_file,
            timeout=int(self._config.timeout_seconds),
            namespace=namespace,
            session=self._requests,
        )

    @property
    def config(self) -> VaultConfig:
        return self._config

    @property
    def logged_in(self) -> bool:
        return self._token is not None and not self._token.wiped

    def _call(self, fn: Callable[[], T]) -> T:
        try:
            result = fn()
        except Exception as exc:
            error = classify(exc)
            if error.code == "vault.sealed" and not self._initialised():
                # A server nobody initialised also answers "Vault is sealed"; only sys/health
                # tells the two apart, and the operator's next step differs completely.
                error = vault_error("not_initialized")
            raise error from None
        if isinstance(result, dict) and result.get("request_id"):
            self.request_ids.append(str(result["request_id"]))
        return result

    def _initialised(self) -> bool:
        try:
            body = self.server.sys.read_health_status(method="GET")
            body = body if isinstance(body, dict) else body.json()
        except Exception:
            return True
        return bool(body.get("initialized", True))

    def health(self) -> VaultHealth:
        def read() -> Any:
            return self.server.sys.read_health_status(method="GET")

        body = self._call(read)
        if not isinstance(body, dict):
            try:
                body = body.json()
            except ValueError:
                raise vault_error("server", f"HTTP {body.status_code}") from None
        return VaultHealth(
            initialized=bool(body.get("initialized")),
            sealed=bool(body.get("sealed")),
            standby=bool(body.get("standby")),
            version=str(body.get("version", "")),
            cluster_name=str(body.get("cluster_name", "")),
        )

    def seal_status(self) -> SealStatus:
        return _seal(self._call(self.server.sys.read_seal_status))

    def submit_unseal_share(self, share: Secret) -> SealStatus:
        """One share. Vault counts any well-formed share and only finds a wrong one when the
        threshold is reached: then it refuses them all and resets the count (bad_share)."""
        import hvac.exceptions as hx

        def submit() -> Any:
            try:
                return self.server.sys.submit_unseal_key(key=share.reveal())
            except hx.InvalidRequest as exc:
                said = "; ".join(str(e) for e in (exc.errors or [])).lower()
                if "must be a valid hex or base64" in said or "shorter than" in said:
                    raise vault_error("malformed_share") from None
                if "failed to decrypt" in said or "invalid key" in said:
                    raise vault_error("bad_share") from None
                raise

        try:
            return _seal(self._call(submit))
        finally:
            share.wipe()

    def login(self, credential: Secret, username: str | None = None) -> dict[str, Any]:
        """Authenticate with the configured method (as `username`, for the methods that take
        one); returns non-secret facts about the token, among them who Vault says logged in."""
        ca_file = self._config.ca_bundle or self._network.ca_file
        try:
            auth = self._auth.login(
                Login(self.client, self._config, self._call, ca_file, username), credential
            )
        finally:
            credential.wipe()
        ttl = int(auth.get("lease_duration") or 0)
        renewable = bool(auth.get("renewable"))
        self._token = Secret(str(self.client.token))
        self.accessor = str(auth.get("accessor") or "")
        self._lease(ttl, renewable)
        return {
            "method": self._auth.name,
            "policies": list(auth.get("policies") or []),
            "ttl": ttl,
            "renewable": renewable,
            "accessor": self.accessor,
            "expires_at": _expiry(ttl),
            "identity": login_identity(auth),
            "entity_id": str(auth.get("entity_id") or ""),
        }

    def _lease(self, ttl: int, renewable: bool) -> None:
        """Renew once half the TTL has passed (a token without TTL, e.g. root, never)."""
        self._renew_at = self._monotonic() + ttl / 2 if ttl > 0 and renewable else None

    def renewal_due(self) -> bool:
        return self.logged_in and self._renew_at is not None and self._monotonic() >= self._renew_at

    def renew_token(self) -> dict[str, Any]:
        """`auth/token/renew-self`; Vault may grant less than asked (the max TTL caps it)."""
        result = self._authorised(self.client.auth.token.renew_self)
        auth = result["auth"]
        ttl = int(auth.get("lease_duration", 0))
        self._lease(ttl, bool(auth.get("renewable")))
        return {"ttl": ttl, "expires_at": _expiry(ttl), "accessor": str(auth.get("accessor", ""))}

    def revoke_accessor(self, accessor: str) -> None:
        """Revoke a token by its accessor (one a crash left behind). Needs
        `auth/token/revoke-accessor`, which the shipped operator policy does not grant: a 403
        here is expected, and the token then lapses at its recorded expiry."""
        self._authorised(lambda: self.client.auth.token.revoke_accessor(accessor))

    def capabilities(self, paths: list[str]) -> dict[str, list[str]]:
        """`sys/capabilities-self`: what this token may do on each path."""
        result = self._authorised(
            lambda: self.client.sys.get_capabilities(paths)  # type: ignore[no-untyped-call]
        )
        data = result.get("data") or result
        return {path: [str(c) for c in data.get(path, [])] for path in paths}

    def record_metadata(self, user: str) -> RecordMetadata:
        """The record's KV v2 metadata: existence, version and age, never the values."""
        cfg = self._config
        response = self._authorised(
            lambda: self.client.secrets.kv.v2.read_secret_metadata(
                path=cfg.kv_path(user), mount_point=cfg.kv_mount
            )
        )
        data = response["data"]
        current = int(data.get("current_version", 0))
        version = (data.get("versions") or {}).get(str(current), {})
        return RecordMetadata(
            user=user,
            current_version=current,
            updated=str(version.get("created_time", "")),
            deleted=bool(version.get("deletion_time") or version.get("destroyed")),
        )

    def read_record(self, user: str) -> BreakGlassRecord:
        cfg = self._config
        response = self._authorised(
            lambda: self.client.secrets.kv.v2.read_secret_version(
                path=cfg.kv_path(user), mount_point=cfg.kv_mount, raise_on_deleted_version=True
            )
        )
        data = response["data"]["data"] or {}
        missing = [f for f in RECORD_FIELDS if not data.get(f)]
        if missing:
            raise vault_error("bad_record", "missing " + ", ".join(missing))
        return BreakGlassRecord(
            username=str(data["username"]),
            account_id=str(data["account_id"]),
            mfa_serial=str(data["mfa_serial"]),
            access_key_id=str(data["access_key_id"]),
            secret_access_key=Secret(str(data["secret_access_key"])),
            console_password=Secret(str(data["console_password"])),
            version=int(response["data"]["metadata"]["version"]),
            rotated_for=str(data.get("rotated_for", "")),
        )

    def write_record(self, record: BreakGlassRecord, cas: int) -> int:
        """Check-and-set write of a full record; returns the new version."""
        cfg = self._config
        secret = {
            "username": record.username,
            "account_id": record.account_id,
            "mfa_serial": record.mfa_serial,
            "access_key_id": record.access_key_id,
            "secret_access_key": record.secret_access_key.reveal(),
            "console_password": record.console_password.reveal(),
            "rotated_for": record.rotated_for,
        }
        response = self._authorised(
            lambda: self.client.secrets.kv.v2.create_or_update_secret(
                path=cfg.kv_path(record.username), secret=secret, cas=cas, mount_point=cfg.kv_mount
            )
        )
        return int(response["data"]["version"])

    def revoke_token(self) -> bool:
        """Revoke our own token (idempotent); returns whether a token was revoked."""
        if not self.logged_in:
            return False
        try:
            self._call(self.client.auth.token.revoke_self)
        except VaultError as exc:
            if exc.code != "vault.permission_denied":
                raise  # an expired token is as good as revoked; anything else is retried
        self._forget_token()
        return True

    def _forget_token(self) -> None:
        if self._token is not None:
            self._token.wipe()
        self._token = None
        self.accessor = ""
        self._renew_at = None
        self.client.token = ""

    def _authorised(self, fn: Callable[[], T]) -> T:
        """Run a token-bearing call; a 403 is told apart: expired token vs. missing policy."""
        if not self.logged_in:
            raise vault_error("token_expired")
        try:
            return self._call(fn)
        except VaultError as exc:
            if exc.code != "vault.permission_denied":
                raise
            try:
                self._call(self.client.auth.token.lookup_self)
            except VaultError as lookup:
                if lookup.code == "vault.permission_denied":
                    # A dead token is dropped, so the procedure asks for a new login
                    # (needs() → "vault") instead of retrying with it forever.
                    self._forget_token()
                    raise vault_error("token_expired") from None
                raise lookup from None
            raise


def login_identity(auth: dict[str, Any]) -> str:
    """Who Vault says logged in, from the login's `auth.metadata`: userpass and LDAP give
    `username`, cert auth `common_name` (or the cert role `cert_name`), AppRole `role_name`;
    a token login says nothing ("")."""
    meta = auth.get("metadata") or {}
    for key in ("username", "common_name", "role_name"):
        if meta.get(key):
            return str(meta[key])
    return ""


def _expiry(ttl: int) -> str:
    """When a token with this TTL lapses, as an RFC 3339 UTC time ("" if it never does)."""
    if ttl <= 0:
        return ""
    return datetime.fromtimestamp(time.time() + ttl, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _seal(body: Any) -> SealStatus:
    return SealStatus(
        sealed=bool(body["sealed"]),
        threshold=int(body.get("t", 0)),
        shares=int(body.get("n", 0)),
        progress=int(body.get("progress", 0)),
    )
