"""The configuration model. Instances are only built by the loader, after validation.

Every class is a frozen dataclass over `Record`, which gives it equality, hashing and repr by
field, as `@dataclass(frozen=True)` would generate them: written once here instead of generated
per class. dataclasses compiles each generated method from source (`exec`), six per frozen
class, ~0.8 ms a class on Python 3.11, and the model is on the path to the first page's paint:
three methods of its 17 classes were ~5 ms of it (docs/rules.md §13; docs/benchmarks.md, "The
cold start, ninth stop"). tests/core/test_config_record.py holds them to what dataclasses makes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, Literal

Partition = Literal["aws", "aws-us-gov", "aws-cn"]
ApproverRole = Literal["primary", "secondary"]
CallAs = Literal["SELF", "DELEGATED_ADMIN"]  # CloudFormation StackSets' CallAs
# Kind names (auth method, MFA mode, channels, approval method) are plain strings here: the
# kinds are listed once, in core/registry.py, which also checks the names a config uses.

DEFAULT_ROLE_NAME = "a-tmpl-prod-rol-break-glass"
DEFAULT_LOG_GROUP = "a-tmpl-prod-cwgrp-break-glass"
DEFAULT_TOPIC_NAME = "a-tmpl-prod-sns-break-glass"
CHAINED_ROLE_MAX_SECONDS = 3600
SNAPSHOT_ONLY = {"config_key": False}  # a model field the config file cannot set


_NAMES: dict[type, tuple[str, ...]] = {}  # each class's field names, read once


def _names(cls: type) -> tuple[str, ...]:
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


class Record:
    """Equality, hashing and repr by field, for frozen dataclasses declared with `eq=False,
    repr=False` (why: the module's docstring)."""

    __slots__ = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _names(type(self)))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in _names(type(self)))
        return f"{type(self).__qualname__}({shown})"


class EmergencyType(StrEnum):
    """The seed's four scenarios, plus Other (which requires a description): the emergency
    types when the config names none."""

    IAM_SYSTEM_LOSS = "Loss of access due to Cloud Shepperd or CloudIAM"
    AD_OUTAGE = "Outage of Active Directory"
    COMPROMISED_ADMINS = "Compromised administrator accounts"
    CRITICAL_FAILURE = "Critical system failure requiring immediate administrative intervention"
    OTHER = "Other"


@dataclass(frozen=True, eq=False, repr=False)
class EmergencyKind(Record):
    """One emergency type the operator can declare. `accounts` and `ous` scope it: when
    either is set, only those accounts, and the accounts in those OUs (or below them), may be
    requested under it. `describe`: the operator must say what it is."""

    name: str
    accounts: tuple[str, ...] = ()
    describe: bool = False
    ous: tuple[str, ...] = ()

    @property
    def scoped(self) -> bool:
        return bool(self.accounts or self.ous)

    def covers(self, account: Account) -> bool:
        """Whether an account may be requested under this type (any, when unscoped)."""
        if not self.scoped:
            return True
        return account.id in self.accounts or any(account.in_ou(ou) for ou in self.ous)


DEFAULT_EMERGENCY_KINDS = tuple(
    EmergencyKind(t.value, describe=t is EmergencyType.OTHER) for t in EmergencyType
)


@dataclass(frozen=True, eq=False, repr=False)
class Organisation(Record):
    """The `[organisation]` table: the IAM account the break-glass users live in, its partition and
    home region."""

    name: str
    iam_account_id: str
    partition: Partition
    region: str


@dataclass(frozen=True, eq=False, repr=False)
class Operator(Record):
    """One `[[operators]]` entry: a person who may declare an emergency."""

    id: str
    name: str
    email: str
    # The operator's own Vault login (userpass/LDAP username, or their certificate's common
    # name): the Vault login must prove it, or the incident stops (issue 18, item 4).
    vault_identity: str = ""


@dataclass(frozen=True, eq=False, repr=False)
class Approver(Record):
    """One `[[approvers]]` entry: a person whose sign-off an incident needs (docs/rules.md §2.2)."""

    id: str
    name: str
    email: str
    role: ApproverRole
    aws_infrastructure: bool


@dataclass(frozen=True, eq=False, repr=False)
class VaultConfig(Record):
    """The `[vault]` table: where the break-glass users' records are, how the operator logs in."""

    address: str
    auth_method: str
    ca_bundle: str | None = None
    namespace: str | None = None
    auth_mount: str | None = None
    username: str | None = None
    role_id: str | None = None
    # TLS certificate auth: the operator's certificate and its *encrypted* private key (PEM);
    # the credential typed at login is the key's passphrase, so the file alone is no login.
    client_cert: str | None = None
    client_key: str | None = None
    cert_role: str | None = None  # the cert auth role to log in as (else any that matches)
    kv_mount: str = "secret"
    kv_path_prefix: str = "breakglass/users"
    # The seed's login metric filter names "break-glass-user": the first user carries that name.
    users: tuple[str, ...] = ("break-glass-user", "break-glass-user-2")
    default_user: str = "break-glass-user"
    timeout_seconds: float = 10.0

    def kv_path(self, user: str) -> str:
        return f"{self.kv_path_prefix.strip('/')}/{user}"

    @property
    def mount_for_auth(self) -> str:
        return self.auth_mount or self.auth_method


@dataclass(frozen=True, eq=False, repr=False)
class Account(Record):
    """One account the operator may choose: from the config's list, or from the account
    snapshot of AWS Organizations (core/account_snapshot.py), which adds its status, the
    path of its OU ("Root/Production/Payments") and its tags."""

    id: str
    name: str
    environment: str
    # Only from the snapshot: not config keys (the reference skips them).
    status: str = field(default="ACTIVE", metadata=SNAPSHOT_ONLY)
    ou_path: str = field(default="", metadata=SNAPSHOT_ONLY)
    tags: tuple[tuple[str, str], ...] = field(default=(), metadata=SNAPSHOT_ONLY)

    def in_ou(self, ou_path: str) -> bool:
        """In that OU or one below it."""
        return self.ou_path == ou_path or self.ou_path.startswith(ou_path.rstrip("/") + "/")

    def search_text(self) -> str:
        """What the account pickers search: name, id, environment, OU path, tags."""
        tags = " ".join(f"{k}={v}" for k, v in self.tags)
        return " ".join((self.name, self.id, self.environment, self.ou_path, tags)).lower()


@dataclass(frozen=True, eq=False, repr=False)
class RoleConfig(Record):
    """The `[role]` table: the break-glass role assumed in each member account."""

    name: str = DEFAULT_ROLE_NAME
    max_session_duration: int = 3600


@dataclass(frozen=True, eq=False, repr=False)
class SessionConfig(Record):
    """The `[session]` table: the MFA mode, the session's length and the browser."""

    mfa_mode: str = "session"
    max_duration: int = 3600
    default_duration: int = 3600
    browser_command: tuple[str, ...] = ()
    logout_first: bool = True
    regional_signin: bool = False


@dataclass(frozen=True, eq=False, repr=False)
class MonitoringConfig(Record):
    """The `[monitoring]` table: where the session's activity and alarms are read."""

    log_group: str = DEFAULT_LOG_GROUP
    log_group_account: str = ""
    region: str = ""
    live_tail: bool = True
    filter_log_events: bool = True
    lookup_events: bool = True
    poll_interval_seconds: int = 15
    trail_name: str = "a-tmpl-prod-trail-break-glass"
    alarm_names: tuple[str, ...] = (
        "a-tmpl-prod-alarm-break-glass-user-login",
        "a-tmpl-prod-alarm-break-glass-role-assumption",
    )


@dataclass(frozen=True, eq=False, repr=False)
class NotificationConfig(Record):
    """The `[notifications]` table: who is told, and through which channels."""

    sns_topic_arn: str
    subscriptions: tuple[str, ...] = ()  # "email:secops@example.com", "https://…", "sms:+48…"
    channels: tuple[str, ...] = ("sns",)  # names from registry.NOTIFICATION_CHANNELS
    syslog_socket: str = "/dev/log"

    @property
    def account_id(self) -> str:
        return self.sns_topic_arn.split(":")[4]

    @property
    def region(self) -> str:
        return self.sns_topic_arn.split(":")[3]


@dataclass(frozen=True, eq=False, repr=False)
class RotationConfig(Record):
    """The `[rotation]` table: the Lambda function that rotates the break-glass credentials."""

    lambda_function: str | None = None
    lambda_timeout_seconds: int = 60
    # How the reference function (resources/rotation/) logs in to Vault: AppRole, with the
    # role id here (not a secret) and the secret id in an SSM SecureString parameter.
    vault_role_id: str = ""
    vault_secret_id_parameter: str = "/breakglass/rotation/vault-secret-id"  # noqa: S105

    @property
    def function_name(self) -> str:
        """The function's name, from a name or an ARN (`...:function:NAME[:qualifier]`)."""
        value = self.lambda_function or ""
        return value.split(":function:", 1)[1].split(":")[0] if ":function:" in value else value


@dataclass(frozen=True, eq=False, repr=False)
class ProvisioningConfig(Record):
    """How `provision` and `readiness` reach member accounts from the IAM account's profile,
    and how the member accounts' roles are deployed: with `stackset_targets`, by one
    CloudFormation StackSet with service-managed permissions (core/aws/stackset.py);
    without, account by account (an organisation without StackSets' trusted access)."""

    member_role: str = "OrganizationAccountAccessRole"
    stackset_targets: tuple[str, ...] = ()  # OU paths ("Root/Production") or ids (ou-…, r-…)
    stackset_name: str = "a-tmpl-prod-stackset-break-glass"
    stackset_call_as: CallAs = "SELF"


@dataclass(frozen=True, eq=False, repr=False)
class NetworkConfig(Record):
    """The only source of a proxy and of TLS trust anchors (docs/rules.md §12; core/network.py)."""

    https_proxy: str | None = None
    ca_bundle: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
class ApprovalConfig(Record):
    """The `[approvals]` table: the sign-off methods and how long a request can be signed."""

    # Names from registry.APPROVAL_METHODS an approver may be enrolled with; empty: the
    # registry's signature methods (`totp` is never a default: docs/threat-model.md).
    methods: tuple[str, ...] = ()
    request_minutes: int = 30  # how long a request text can be signed (its not-after time)
    fido2_rp_id: str = "breakglass.local"  # the WebAuthn relying party the keys are bound to


@dataclass(frozen=True, eq=False, repr=False)
class DirectoryConfig(Record):
    """Where the accounts come from (core/directory.py): `config` (the `[[accounts]]` list) or
    `organizations` (the snapshot `main.py accounts sync` writes; core/account_snapshot.py)."""

    source: str = "config"
    snapshot: str = ""  # empty: accounts.json in the app's data directory
    max_age_days: int = 7  # readiness warns, and the account page says so, when older


@dataclass(frozen=True, eq=False, repr=False)
class AnchorConfig(Record):
    """The off-workstation checkpoints (docs/rules.md §5.4): an S3 bucket with Object Lock in
    compliance mode, in the log account and region."""

    bucket: str = ""  # empty: a-tmpl-prod-s3-break-glass-anchor-<log account>
    prefix: str = "checkpoints/"
    retention_days: int = 400


@dataclass(frozen=True, eq=False, repr=False)
class Config(Record):
    """A whole, validated configuration (core/config/load.py builds it)."""

    organisation: Organisation
    operators: tuple[Operator, ...]
    approvers: tuple[Approver, ...]
    vault: VaultConfig
    accounts: tuple[Account, ...]
    notifications: NotificationConfig
    role: RoleConfig = field(default_factory=RoleConfig)
    session: SessionConfig = field(default_factory=SessionConfig)
    monitoring: MonitoringConfig = field(default_factory=MonitoringConfig)
    rotation: RotationConfig = field(default_factory=RotationConfig)
    provisioning: ProvisioningConfig = field(default_factory=ProvisioningConfig)
    emergency_types: tuple[EmergencyKind, ...] = DEFAULT_EMERGENCY_KINDS
    approvals: ApprovalConfig = field(default_factory=ApprovalConfig)
    anchor: AnchorConfig = field(default_factory=AnchorConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    directory: DirectoryConfig = field(default_factory=DirectoryConfig)

    def operator(self, operator_id: str) -> Operator | None:
        return next((o for o in self.operators if o.id == operator_id), None)

    def approver(self, approver_id: str) -> Approver | None:
        return next((a for a in self.approvers if a.id == approver_id), None)

    def account(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.id == account_id), None)

    def emergency_type(self, name: str) -> EmergencyKind | None:
        return next((k for k in self.emergency_types if k.name == name), None)

    def role_arn(self, account_id: str) -> str:
        return f"arn:{self.organisation.partition}:iam::{account_id}:role/{self.role.name}"

    @property
    def log_account_id(self) -> str:
        return self.monitoring.log_group_account or self.organisation.iam_account_id

    @property
    def log_region(self) -> str:
        return self.monitoring.region or self.organisation.region

    @property
    def anchor_bucket(self) -> str:
        return self.anchor.bucket or f"a-tmpl-prod-s3-break-glass-anchor-{self.log_account_id}"

    def service_accounts(self) -> dict[str, str]:
        """Accounts the app itself needs a session in (docs/rules.md §2.5), by purpose."""
        return {
            "rotation": self.organisation.iam_account_id,
            "monitoring": self.log_account_id,
            "notifications": self.notifications.account_id,
        }
