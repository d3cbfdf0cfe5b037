"""An AWS and a Vault that live in memory, for the random fault schedules (tests/core/
test_fault_schedules.py): hundreds of whole incidents a minute, which moto and a real OpenBao
(~0.8 s an incident) cannot give. Everything else is the app's own code: the Procedure, the
journal on disk, the approvals, the ending, recovery.

They keep the facts the invariants are about, independently of the app's memory:
- which credentials work (IAM keys Active, MFA and role sessions not expired, role sessions
  not cut off by a revocation policy), as AWS would judge them;
- what Vault stores (the record, by version, written with check-and-set);
- every role session issued, with the incident it was issued for.
Errors are the real classes with AWS's and Vault's codes (botocore ClientError and
EndpointConnectionError; the app's VaultError), so the app's classification runs as against
the real services. Faults are armed per service and consumed by the next matching call:
`down` (the connection fails), `throttle` (AWS's Throttling), `lost` (the call is applied but
its answer never arrives — the hardest case for a write).
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any

from botocore.exceptions import ClientError, EndpointConnectionError

from breakglass_gui.core.aws.server_time import ServerTime
from breakglass_gui.core.secret import Secret
from breakglass_gui.core.vault import BreakGlassRecord, SealStatus, VaultHealth
from breakglass_gui.core.vault_errors import vault_error

_ids = itertools.count(1)


class Crash(BaseException):
    """The app dies in the middle of a call, after AWS or Vault applied it: nothing of the
    app's catches it, as nothing catches a SIGKILL (a `crash` fault)."""


def _key_id(prefix: str) -> str:
    return f"{prefix}{next(_ids):016d}"


@dataclass
class RoleSession:
    account: str
    session_name: str
    issued: float
    expires: float
    access_key_id: str = ""


@dataclass
class Principal:
    kind: str  # "user", "mfa" or "role"
    user: str = ""
    account: str = ""
    issued: float = 0.0
    expires: float = float("inf")
    secret: str = ""


@dataclass
class MemoryAws:
    """The AWS of one organisation: IAM users with keys, roles with inline policies, STS."""

    clock: Any
    iam_account: str
    users: tuple[str, ...]
    principals: dict[str, Principal] = field(default_factory=dict)
    keys: dict[str, dict[str, str]] = field(default_factory=dict)  # user → key id → Status
    role_policies: dict[tuple[str, str], str] = field(default_factory=dict)  # (account, name)
    user_policies: dict[tuple[str, str], str] = field(default_factory=dict)  # (user, name)
    role_sessions: list[RoleSession] = field(default_factory=list)
    faults: dict[str, list[str]] = field(default_factory=dict)  # service → faults to come
    on_assume: Any = None  # called with (account, session name) before a role session is issued
    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def new_user_key(self, user: str) -> tuple[str, str]:
        key, secret = _key_id("AKIA"), secrets.token_hex(20)
        self.keys.setdefault(user, {})[key] = "Active"
        self.principals[key] = Principal("user", user=user, secret=secret)
        return key, secret

    def arm(self, service: str, fault: str) -> None:
        with self.lock:
            self.faults.setdefault(service, []).append(fault)

    def _fault(self, service: str) -> str | None:
        with self.lock:
            self.calls += 1
            pending = self.faults.get(service)
            return pending.pop(0) if pending else None

    # ----- what AWS would say about a credential -----------------------------------------

    def _cutoff(self, principal: Principal) -> float:
        """AWSRevokeOlderSessions: sessions issued before its date are denied everything."""
        if principal.kind == "role":
            document = self.role_policies.get((principal.account, "AWSRevokeOlderSessions"))
        elif principal.kind == "mfa":
            document = self.user_policies.get((principal.user, "AWSRevokeOlderSessions"))
        else:
            return float("-inf")
        if document is None:
            return float("-inf")
        stamp = json.loads(document)["Statement"][0]["Condition"]["DateLessThan"][
            "aws:TokenIssueTime"
        ]
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()

    def works(self, access_key_id: str) -> Principal | None:
        principal = self.principals.get(access_key_id)
        if principal is None:
            return None
        now = self.clock.now()
        if principal.kind == "user":
            active = self.keys.get(principal.user, {}).get(access_key_id) == "Active"
            return principal if active else None
        if now >= principal.expires or principal.issued < self._cutoff(principal):
            return None
        # A role session chained from the user's MFA session outlives that session's
        # revocation: only its own role's policy cuts it off.
        return principal

    def refusal(self, access_key_id: str, operation: str) -> ClientError:
        """What AWS answers a credential that does not work, by why it does not."""
        principal = self.principals.get(access_key_id)
        if principal is None or principal.kind == "user":  # unknown, deleted or inactive
            return _error("InvalidClientTokenId", "The security token included in the request "
                          "is invalid.", operation, 403)  # fmt: skip
        if self.clock.now() >= principal.expires:
            return _error("ExpiredToken", "The security token included in the request is "
                          "expired", operation, 400)  # fmt: skip
        return _error("AccessDenied", f"User is not authorized to perform {operation} with an "
                      "explicit deny in an identity-based policy", operation, 403)  # fmt: skip

    def live_role_sessions(self) -> list[RoleSession]:
        """Role sessions AWS would still honour now."""
        return [s for s in self.role_sessions if self.works(s.access_key_id) is not None]


def _error(code: str, message: str, operation: str, status: int = 400) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        operation,
    )


class MemoryClient:
    """One boto3-like client of MemoryAws: `service`, the caller's credentials, a region."""

    def __init__(
        self,
        aws: MemoryAws,
        service: str,
        access_key_id: str,
        region: str,
        server_time: ServerTime | None = None,
    ) -> None:
        self._aws, self._service, self._key, self._region = aws, service, access_key_id, region
        self._server_time = server_time

    def __getattr__(self, operation: str) -> Any:
        handler = getattr(self, f"_{self._service}_{operation}", None)
        if handler is None:
            raise AttributeError(f"{self._service}.{operation} is not simulated")

        def call(**params: Any) -> Any:
            name = "".join(p.capitalize() for p in operation.split("_"))
            fault = self._aws._fault(self._service)
            if fault == "down":
                raise EndpointConnectionError(endpoint_url=f"https://{self._service}.amazonaws.com")
            if fault == "throttle":
                raise _error("Throttling", "Rate exceeded", name)
            if self._server_time is not None:  # errors carry AWS's Date too
                self._server_time.observe(formatdate(self._aws.clock.now(), usegmt=True))
            caller = self._aws.works(self._key)
            if caller is None:
                raise self._aws.refusal(self._key, name)
            if operation == "get_session_token" and caller.kind != "user":
                raise _error("AccessDenied", "Cannot call GetSessionToken with session "
                             "credentials", name, 403)  # fmt: skip
            with self._aws.lock:
                result = handler(caller, **params)
            date = formatdate(self._aws.clock.now(), usegmt=True)
            result["ResponseMetadata"] = {  # what botocore adds: AWS's clock in `date`
                "HTTPStatusCode": 200,
                "HTTPHeaders": {"date": date},
            }
            if self._server_time is not None:  # botocore's response-received hook
                self._server_time.observe(date)
            if fault == "lost":  # applied, but the answer never came back
                raise EndpointConnectionError(endpoint_url=f"https://{self._service}.amazonaws.com")
            if fault == "crash":
                raise Crash(f"{self._service}.{operation}")
            return result

        return call

    # ----- STS ---------------------------------------------------------------------------

    def _session(self, kind: str, seconds: int, **facts: Any) -> dict[str, Any]:
        now = self._aws.clock.now()
        key, secret = _key_id("ASIA"), secrets.token_hex(20)
        self._aws.principals[key] = Principal(
            kind, issued=now, expires=now + seconds, secret=secret, **facts
        )
        return {
            "AccessKeyId": key,
            "SecretAccessKey": secret,
            "SessionToken": secrets.token_hex(32),
            "Expiration": datetime.fromtimestamp(now + seconds, tz=UTC),
        }

    def _sts_get_session_token(self, caller: Principal, **params: Any) -> dict[str, Any]:
        seconds = int(params.get("DurationSeconds", 43200))
        return {"Credentials": self._session("mfa", seconds, user=caller.user)}

    def _sts_assume_role(self, caller: Principal, **params: Any) -> dict[str, Any]:
        arn = str(params["RoleArn"])
        account = arn.split(":")[4]
        seconds = int(params.get("DurationSeconds", 3600))
        if self._aws.on_assume is not None:
            self._aws.on_assume(account, str(params["RoleSessionName"]))
        if caller.kind == "role":
            raise _error(
                "AccessDenied", "not authorized to perform sts:AssumeRole", "AssumeRole", 403
            )
        credentials = self._session("role", seconds, account=account, user=caller.user)
        issued = self._aws.principals[credentials["AccessKeyId"]].issued
        self._aws.role_sessions.append(
            RoleSession(
                account,
                str(params["RoleSessionName"]),
                issued,
                issued + seconds,
                credentials["AccessKeyId"],
            )
        )
        return {
            "Credentials": credentials,
            "AssumedRoleUser": {
                "AssumedRoleId": f"AROA{account}:{params['RoleSessionName']}",
                "Arn": f"arn:aws:sts::{account}:assumed-role/r/{params['RoleSessionName']}",
            },
            "SourceIdentity": params.get("SourceIdentity", ""),
        }

    def _sts_get_caller_identity(self, caller: Principal, **params: Any) -> dict[str, Any]:
        account = caller.account or self._aws.iam_account
        who = f"user/{caller.user}" if caller.kind != "role" else "assumed-role/r/s"
        return {"Account": account, "Arn": f"arn:aws:iam::{account}:{who}", "UserId": "AIDA"}

    # ----- IAM ---------------------------------------------------------------------------

    def _account(self, caller: Principal) -> str:
        return caller.account or self._aws.iam_account

    def _iam_put_role_policy(self, caller: Principal, **p: Any) -> dict[str, Any]:
        self._aws.role_policies[(self._account(caller), p["PolicyName"])] = p["PolicyDocument"]
        return {}

    def _iam_get_role_policy(self, caller: Principal, **p: Any) -> dict[str, Any]:
        document = self._aws.role_policies.get((self._account(caller), p["PolicyName"]))
        if document is None:
            raise _error("NoSuchEntity", "The role policy was not found.", "GetRolePolicy", 404)
        return {"RoleName": p["RoleName"], "PolicyName": p["PolicyName"],
                "PolicyDocument": document}  # fmt: skip

    def _iam_put_user_policy(self, caller: Principal, **p: Any) -> dict[str, Any]:
        self._aws.user_policies[(p["UserName"], p["PolicyName"])] = p["PolicyDocument"]
        return {}

    def _iam_get_user_policy(self, caller: Principal, **p: Any) -> dict[str, Any]:
        document = self._aws.user_policies.get((p["UserName"], p["PolicyName"]))
        if document is None:
            raise _error("NoSuchEntity", "The user policy was not found.", "GetUserPolicy", 404)
        return {"UserName": p["UserName"], "PolicyName": p["PolicyName"],
                "PolicyDocument": document}  # fmt: skip

    def _iam_list_access_keys(self, caller: Principal, **p: Any) -> dict[str, Any]:
        keys = self._aws.keys.get(p["UserName"], {})
        return {
            "AccessKeyMetadata": [
                {"UserName": p["UserName"], "AccessKeyId": k, "Status": s} for k, s in keys.items()
            ]
        }

    def _iam_create_access_key(self, caller: Principal, **p: Any) -> dict[str, Any]:
        if len(self._aws.keys.get(p["UserName"], {})) >= 2:  # IAM's quota: two keys a user
            raise _error("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2",
                         "CreateAccessKey", 409)  # fmt: skip
        key, secret = self._aws.new_user_key(p["UserName"])
        return {"AccessKey": {"UserName": p["UserName"], "AccessKeyId": key,
                              "SecretAccessKey": secret, "Status": "Active"}}  # fmt: skip

    def _iam_update_access_key(self, caller: Principal, **p: Any) -> dict[str, Any]:
        keys = self._aws.keys.get(p["UserName"], {})
        if p["AccessKeyId"] not in keys:
            raise _error("NoSuchEntity", "The access key was not found.", "UpdateAccessKey", 404)
        keys[p["AccessKeyId"]] = p["Status"]
        return {}

    def _iam_delete_access_key(self, caller: Principal, **p: Any) -> dict[str, Any]:
        keys = self._aws.keys.get(p["UserName"], {})
        if keys.pop(p["AccessKeyId"], None) is None:
            raise _error("NoSuchEntity", "The access key was not found.", "DeleteAccessKey", 404)
        return {}

    def _iam_get_login_profile(self, caller: Principal, **p: Any) -> dict[str, Any]:
        return {"LoginProfile": {"UserName": p["UserName"], "CreateDate": datetime.now(UTC)}}

    def _iam_update_login_profile(self, caller: Principal, **p: Any) -> dict[str, Any]:
        return {}

    # ----- the rest: accepted, remembered where the invariants need it -------------------

    def _sns_publish(self, caller: Principal, **p: Any) -> dict[str, Any]:
        return {"MessageId": _key_id("m")}

    def _s3_put_object(self, caller: Principal, **p: Any) -> dict[str, Any]:
        return {"VersionId": _key_id("v"), "ETag": '"e"'}

    def _cloudwatch_describe_alarm_history(self, caller: Principal, **p: Any) -> dict[str, Any]:
        return {"AlarmHistoryItems": []}

    def _logs_filter_log_events(self, caller: Principal, **p: Any) -> dict[str, Any]:
        return {"events": []}

    def _cloudtrail_lookup_events(self, caller: Principal, **p: Any) -> dict[str, Any]:
        return {"Events": []}


class MemoryClientFactory:
    """Stands where core/aws/clients.ClientFactory stands in Deps."""

    def __init__(self, aws: MemoryAws) -> None:
        self.aws = aws
        # AWS's clock as the app learns it from Date headers, carried forward on a clock the
        # workstation's skew does not move (the real one uses time.monotonic).
        self.server_time = ServerTime(monotonic=aws.clock.now)

    def client(self, service: str, credentials: Any, region: str, **_: Any) -> MemoryClient:
        return MemoryClient(self.aws, service, credentials.access_key_id, region, self.server_time)

    def warm_up(self, services: tuple[str, ...], region: str) -> None:
        return None

    def forget_clients(self) -> None:
        return None


# ----- Vault -------------------------------------------------------------------------------


@dataclass
class MemoryVault:
    """One Vault server: sealed or not, the operator's password, KV v2 records with versions."""

    password: str
    shares: list[str]
    threshold: int = 3
    sealed: bool = False
    progress: int = 0
    records: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # user → versions
    tokens: set[str] = field(default_factory=set)
    faults: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def current(self, user: str) -> dict[str, str]:
        return self.records[user][-1]

    def fault(self) -> str | None:
        with self.lock:
            return self.faults.pop(0) if self.faults else None


class MemoryGateway:
    """Stands where core/vault.VaultGateway stands: the same methods and errors."""

    def __init__(self, vault: MemoryVault, config: Any) -> None:
        self._vault, self._config = vault, config
        self._token: str | None = None
        self.accessor = ""
        self.request_ids: list[str] = []

    @property
    def config(self) -> Any:
        return self._config

    @property
    def logged_in(self) -> bool:
        return self._token is not None

    def _call(self, write: bool = False, sealed_ok: bool = False) -> str | None:
        """A request: a fault for it, the seal; for a write, the fault that strikes after it
        is applied (`lost`, `crash`) is returned to the caller."""
        fault = self._vault.fault()
        if fault == "down" or (fault == "lost" and not write):
            raise vault_error("unreachable")
        if fault == "crash" and not write:
            raise Crash("vault")
        if self._vault.sealed and not sealed_ok:
            raise vault_error("sealed")
        self.request_ids.append(_key_id("req-"))
        return fault if write else None

    def health(self) -> VaultHealth:
        self._call(sealed_ok=True)
        return VaultHealth(True, self._vault.sealed, False, "2.7.2", "memory")

    def seal_status(self) -> SealStatus:
        self._call(sealed_ok=True)
        return SealStatus(self._vault.sealed, self._vault.threshold, 5, self._vault.progress)

    def submit_unseal_share(self, share: Secret) -> SealStatus:
        value = share.reveal()
        share.wipe()
        self._call(sealed_ok=True)
        if value not in self._vault.shares:
            self._vault.progress = 0
            raise vault_error("bad_share")
        self._vault.progress += 1
        if self._vault.progress >= self._vault.threshold:
            self._vault.sealed, self._vault.progress = False, 0
        return self.seal_status()

    def login(self, credential: Secret, username: str | None = None) -> dict[str, Any]:
        self._call()
        typed = credential.reveal()
        credential.wipe()
        if typed != self._vault.password:
            raise vault_error("bad_credentials")
        self._token = _key_id("hvs.")
        self._vault.tokens.add(self._token)
        self.accessor = _key_id("acc")
        return {"method": "userpass", "policies": ["breakglass-operator"], "ttl": 3600,
                "renewable": True, "accessor": self.accessor, "expires_at": "",
                "identity": username or "", "entity_id": "e"}  # fmt: skip

    def renewal_due(self) -> bool:
        return False

    def renew_token(self) -> dict[str, Any]:
        self._authorised()
        return {"ttl": 3600, "expires_at": "", "accessor": self.accessor}

    def _authorised(self, write: bool = False) -> str | None:
        fault = self._call(write)
        if self._token is None or self._token not in self._vault.tokens:
            raise vault_error("token_expired")
        return fault

    def revoke_accessor(self, accessor: str) -> None:
        self._authorised()

    def capabilities(self, paths: list[str]) -> dict[str, list[str]]:
        self._authorised()
        return {p: ["read", "update"] for p in paths}

    def read_record(self, user: str) -> BreakGlassRecord:
        self._authorised()
        versions = self._vault.records[user]
        data = versions[-1]
        return BreakGlassRecord(
            username=user,
            account_id=data["account_id"],
            mfa_serial=data["mfa_serial"],
            access_key_id=data["access_key_id"],
            secret_access_key=Secret(data["secret_access_key"]),
            console_password=Secret(data["console_password"]),
            version=len(versions),
            rotated_for=data.get("rotated_for", ""),
        )

    def write_record(self, record: BreakGlassRecord, cas: int) -> int:
        fault = self._authorised(write=True)
        versions = self._vault.records[record.username]
        if cas != len(versions):
            raise vault_error("cas_conflict")
        versions.append(
            {
                "account_id": record.account_id,
                "mfa_serial": record.mfa_serial,
                "access_key_id": record.access_key_id,
                "secret_access_key": record.secret_access_key.reveal(),
                "console_password": record.console_password.reveal(),
                "rotated_for": record.rotated_for,
            }
        )
        if fault == "lost":  # written, but the answer never came back
            raise vault_error("unreachable")
        if fault == "crash":
            raise Crash("vault write")
        return len(versions)

    def revoke_token(self) -> bool:
        if self._token is None:
            return False
        fault = self._call(write=True)
        self._vault.tokens.discard(self._token)
        if fault == "lost":
            raise vault_error("unreachable")
        if fault == "crash":
            raise Crash("vault revoke")
        self._token, self.accessor = None, ""
        return True

    def wipe(self) -> None:
        self._token = None
