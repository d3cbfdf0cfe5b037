"""Load and validate the TOML configuration, reporting every problem with its key path at once.

Unknown keys are errors: a typo such as `mfa_mod` must not silently fall back to a default in an
emergency tool. Problems read like `accounts[2].id: "12345" is not a 12-digit AWS account id`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast, get_args
from urllib.parse import urlsplit

from breakglass_gui.core.config import accounts as accounts_section
from breakglass_gui.core.config.model import (
    DEFAULT_LOG_GROUP,
    DEFAULT_ROLE_NAME,
    AnchorConfig,
    ApprovalConfig,
    Approver,
    CallAs,
    Config,
    MonitoringConfig,
    NetworkConfig,
    NotificationConfig,
    Operator,
    Organisation,
    ProvisioningConfig,
    RoleConfig,
    RotationConfig,
    SessionConfig,
    VaultConfig,
)
from breakglass_gui.core.config.table import Problems, Table, quote
from breakglass_gui.core.errors import ConfigError

# re.ASCII: in Python's default (Unicode) mode \d and \w accept every script's digits and
# letters ("١٢٣٤٥٦٧٨٩٠١٢" is twelve \d), which AWS refuses in ids, names and ARNs.
ACCOUNT_ID = re.compile(r"^\d{12}$", re.ASCII)
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$", re.ASCII)
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)
IAM_USER_NAME = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)
ROSTER_ID = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._@+=,-]{1,63}$", re.ASCII
)  # also valid as SourceIdentity
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # Unicode \s: no-break spaces refused too
LOG_GROUP = re.compile(r"^[\w#./-]{1,512}$", re.ASCII)
SNS_ARN = re.compile(r"^arn:(aws|aws-us-gov|aws-cn):sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$", re.ASCII)
LAMBDA_REF = re.compile(
    r"^(arn:(aws|aws-us-gov|aws-cn):lambda:[a-z0-9-]+:\d{12}:function:)?[\w-]{1,64}(:[\w-]+)?$",
    re.ASCII,
)
TRAIL_NAME = re.compile(r"^[A-Za-z0-9][\w.-]{2,127}$", re.ASCII)
SUBSCRIPTION = re.compile(r"^(email:[^@\s]+@[^@\s]+\.[^@\s]+|sms:\+[0-9]{6,15}|https://\S+)$")
PARTITIONS = ("aws", "aws-us-gov", "aws-cn")
# CloudFormation: a StackSet name starts with a letter; letters, digits and hyphens, ≤128.
STACKSET_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$", re.ASCII)
# Organizations ids (r-…, ou-…-…) as the API documents their patterns, or an OU path.
STACKSET_TARGET = re.compile(
    r"^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|Root(/[^/]{1,128})*)$"
)
CALL_AS = get_args(CallAs)
PARTITION_OF_REGION = {"us-gov": "aws-us-gov", "cn": "aws-cn"}

# AWS limits (seconds): role sessions 15 min to 12 h; GetSessionToken for IAM users up to 36 h.
MIN_SESSION = 900
MAX_ROLE_SESSION = 43_200


def _organisation(t: Table) -> Organisation | None:
    name = t.text("name", required=True)
    iam = t.text(
        "iam_account_id", required=True, pattern=ACCOUNT_ID, what="a 12-digit AWS account id"
    )
    partition = t.choice("partition", PARTITIONS, "aws")
    region = t.text("region", required=True, pattern=REGION, what="an AWS region name")
    if region and partition:
        expected = next((p for k, p in PARTITION_OF_REGION.items() if region.startswith(k)), "aws")
        if expected != partition:
            t.problems.add(t.key("region"), f"{region} is not in partition {partition}")
    t.finish()
    if None in (name, iam, partition, region):
        return None
    return Organisation(cast(str, name), cast(str, iam), cast(Any, partition), cast(str, region))


def _person(t: Table) -> tuple[str | None, str | None, str | None]:
    pid = t.text(
        "id", required=True, pattern=ROSTER_ID, what="a valid id (letters, digits, ._@+=,-)"
    )
    name = t.text("name", required=True)
    email = t.text("email", required=True, pattern=EMAIL, what="an e-mail address")
    return pid, name, email


def _operators(root: Table) -> list[Operator]:
    out = []
    for t in root.tables("operators"):
        pid, name, email = _person(t)
        identity = t.text("vault_identity", "") or ""
        t.finish()
        if pid and name and email:
            out.append(Operator(pid, name, email, identity))
    return out


BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")  # S3 bucket naming rules


def _anchor(t: Table) -> AnchorConfig:
    default = AnchorConfig()
    bucket = t.text("bucket", "", pattern=BUCKET, what="an S3 bucket name") or ""
    prefix = t.text("prefix", default.prefix) or default.prefix
    days = t.get("retention_days", int, default.retention_days)
    assert days is not None
    if not 1 <= days <= 36500:
        t.problems.add(t.key("retention_days"), "must be between 1 and 36500 days")
        days = default.retention_days
    t.finish()
    return AnchorConfig(bucket, prefix if prefix.endswith("/") else prefix + "/", days)


def _approvals(t: Table) -> ApprovalConfig:
    default = ApprovalConfig()
    methods = t.strings("methods", default.methods)  # names checked by core/registry.py
    if len(set(methods)) != len(methods) or ("methods" in t.data and not methods):
        t.problems.add(t.key("methods"), "must list each approval method once (at least one)")
    minutes = t.get("request_minutes", int, default.request_minutes)
    assert minutes is not None
    if not 5 <= minutes <= 24 * 60:
        t.problems.add(t.key("request_minutes"), "must be between 5 and 1440 minutes")
        minutes = default.request_minutes
    rp_id = t.text("fido2_rp_id", default.fido2_rp_id) or default.fido2_rp_id
    return ApprovalConfig(methods, minutes, rp_id)


def _approvers(root: Table) -> list[Approver]:
    out = []
    for t in root.tables("approvers"):
        pid, name, email = _person(t)
        role = t.choice("role", ("primary", "secondary"))
        infra = t.get("aws_infrastructure", bool, None, required=True)
        t.finish()
        if pid and name and email and role and infra is not None:
            out.append(Approver(pid, name, email, cast(Any, role), infra))
    return out


def _vault(t: Table) -> VaultConfig | None:
    address = t.text("address", required=True)
    if address is not None:
        problem = vault_address_problem(address)
        if problem:
            t.problems.add(t.key("address"), problem)
            address = None
    # The method's name and what it requires are checked by core/registry.py, which lists
    # the methods; here only the shape of each setting.
    method = t.text("auth_method", required=True)
    ca_bundle = _pem_file(t, "ca_bundle")
    username = t.text("username")
    role_id = t.text("role_id")
    client_cert = _pem_file(t, "client_cert")
    client_key = _pem_file(t, "client_key")
    if client_key and not _encrypted_key(client_key):
        t.problems.add(
            t.key("client_key"),
            "is not an encrypted private key: on this workstation the key file must need "
            "a passphrase (openssl pkcs8 -topk8 -v2 aes-256-cbc)",
        )
    users = t.strings("users", ("break-glass-user", "break-glass-user-2"))
    for i, user in enumerate(users):
        if not IAM_USER_NAME.fullmatch(user):
            t.problems.add(f"{t.key('users')}[{i}]", f"{quote(user)} is not a valid IAM user name")
    if not users:
        t.problems.add(t.key("users"), "must name at least one break-glass IAM user")
    if len(set(users)) != len(users):
        t.problems.add(t.key("users"), "lists the same user twice")
    default_user = t.text("default_user", users[0] if users else None)
    if default_user and default_user not in users:
        t.problems.add(t.key("default_user"), f"{quote(default_user)} is not in vault.users")
    timeout = t.get("timeout_seconds", int, 10)
    assert timeout is not None  # a default is given: a wrong type falls back to it
    if not 1 <= timeout <= 300:
        t.problems.add(t.key("timeout_seconds"), f"{timeout} is outside 1–300 seconds")
        timeout = 10
    config = VaultConfig(
        address=cast(str, address),
        auth_method=str(method),
        ca_bundle=ca_bundle,
        namespace=t.text("namespace"),
        auth_mount=t.text("auth_mount"),
        username=username,
        role_id=role_id,
        client_cert=client_cert,
        client_key=client_key,
        cert_role=t.text("cert_role"),
        kv_mount=t.text("kv_mount", "secret") or "secret",
        kv_path_prefix=t.text("kv_path_prefix", "breakglass/users") or "breakglass/users",
        users=users,
        default_user=default_user or "",
        timeout_seconds=float(timeout),
    )
    t.finish()
    return config if address and method else None


def vault_address_problem(address: str) -> str | None:
    """Why this Vault address is refused, or None.

    HTTPS only, drills included: the drill's Vault serves HTTPS with the drill's own CA
    (drill/tls.py), so no mode of the app ever sends a token or an unseal share in clear.
    """
    parts = urlsplit(address)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname:
        return f"{quote(address)} uses plain HTTP; Vault must be reached over HTTPS"
    return f"{quote(address)} is not an https:// URL"


def _role(t: Table) -> RoleConfig:
    name = t.text("name", DEFAULT_ROLE_NAME, pattern=ROLE_NAME, what="a valid IAM role name")
    max_duration = t.duration("max_session_duration", 3600, 3600, MAX_ROLE_SESSION)
    t.finish()
    return RoleConfig(name or DEFAULT_ROLE_NAME, max_duration)


def _session(t: Table, role: RoleConfig) -> SessionConfig:
    mode = t.text("mfa_mode", "session") or "session"  # checked by core/registry.py
    max_duration = t.duration("max_duration", 3600, MIN_SESSION, MAX_ROLE_SESSION)
    default = t.duration("default_duration", min(3600, max_duration), MIN_SESSION, MAX_ROLE_SESSION)
    if default > max_duration:
        t.problems.add(
            t.key("default_duration"), f"{default} is longer than max_duration {max_duration}"
        )
    browser = t.get("browser_command", list, None)
    command: tuple[str, ...] = ()
    if browser is not None:
        if browser and all(isinstance(p, str) and p for p in browser) and "{url}" in browser:
            command = tuple(browser)
        else:
            t.problems.add(
                t.key("browser_command"),
                'must be a list of strings containing the placeholder "{url}", '
                'e.g. ["firefox", "--private-window", "{url}"]',
            )
    logout_first = t.get("logout_first", bool, True)
    regional = t.get("regional_signin", bool, False)
    t.finish()
    return SessionConfig(mode, max_duration, default, command, bool(logout_first), bool(regional))


def _monitoring(t: Table) -> MonitoringConfig:
    base = MonitoringConfig()
    group = t.text("log_group", DEFAULT_LOG_GROUP, pattern=LOG_GROUP, what="a log group name")
    account = t.text("log_group_account", "", pattern=ACCOUNT_ID, what="a 12-digit AWS account id")
    region = t.text("region", "", pattern=REGION, what="an AWS region name")
    interval = t.get("poll_interval_seconds", int, 15)
    assert interval is not None  # a default is given: a wrong type falls back to it
    if not 5 <= interval <= 300:
        t.problems.add(t.key("poll_interval_seconds"), f"{interval} is outside 5–300 seconds")
    config = MonitoringConfig(
        log_group=group or DEFAULT_LOG_GROUP,
        log_group_account=account or "",
        region=region or "",
        live_tail=bool(t.get("live_tail", bool, True)),
        filter_log_events=bool(t.get("filter_log_events", bool, True)),
        lookup_events=bool(t.get("lookup_events", bool, True)),
        poll_interval_seconds=interval,
        trail_name=t.text("trail_name", base.trail_name, pattern=TRAIL_NAME, what="a trail name")
        or base.trail_name,
        alarm_names=t.strings("alarm_names", base.alarm_names),
    )
    t.finish()
    return config


def _notifications(t: Table) -> NotificationConfig | None:
    arn = t.text("sns_topic_arn", required=True, pattern=SNS_ARN, what="an SNS topic ARN")
    subscriptions = t.strings("subscriptions")
    for i, item in enumerate(subscriptions):
        if not SUBSCRIPTION.fullmatch(item):
            t.problems.add(
                f"{t.key('subscriptions')}[{i}]",
                f'{quote(item)} is not "email:<address>", "sms:<+number>" or an https:// URL',
            )
    channels = t.strings("channels", ("sns",))  # names checked by core/registry.py
    if len(set(channels)) != len(channels):
        t.problems.add(t.key("channels"), "lists the same channel twice")
    socket_path = t.text("syslog_socket", "/dev/log") or "/dev/log"
    if not socket_path.startswith("/"):
        t.problems.add(t.key("syslog_socket"), f"{quote(socket_path)} is not an absolute path")
    t.finish()
    if not arn:
        return None
    return NotificationConfig(arn, subscriptions, channels, socket_path)


def _provisioning(t: Table) -> ProvisioningConfig:
    role = t.text(
        "member_role",
        "OrganizationAccountAccessRole",
        pattern=ROLE_NAME,
        what="a valid IAM role name",
    )
    targets = t.strings("stackset_targets")
    for i, target in enumerate(targets):
        if not STACKSET_TARGET.fullmatch(target):
            t.problems.add(
                f"{t.key('stackset_targets')}[{i}]",
                f'{quote(target)} is not an OU path ("Root/Production") or an OU or root id',
            )
    name = t.text(
        "stackset_name",
        ProvisioningConfig.stackset_name,
        pattern=STACKSET_NAME,
        what="a StackSet name (letters, digits, hyphens; a letter first)",
    )
    call_as = t.choice("stackset_call_as", CALL_AS, "SELF") or "SELF"
    t.finish()
    return ProvisioningConfig(
        role or "OrganizationAccountAccessRole",
        targets,
        name or ProvisioningConfig.stackset_name,
        cast(CallAs, call_as),
    )


# SSM parameter names: letters, digits and . - _ /, at most 1011 characters (SSM PutParameter).
SSM_PARAMETER = re.compile(r"/?[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*")


def _rotation(t: Table) -> RotationConfig:
    function = t.text("lambda_function", pattern=LAMBDA_REF, what="a Lambda function name or ARN")
    timeout = t.get("lambda_timeout_seconds", int, 60)
    assert timeout is not None  # a default is given: a wrong type falls back to it
    if not 1 <= timeout <= 900:
        t.problems.add(t.key("lambda_timeout_seconds"), f"{timeout} is outside 1–900 seconds")
    role_id = t.text("vault_role_id", "") or ""
    parameter = t.text("vault_secret_id_parameter", "/breakglass/rotation/vault-secret-id")
    if parameter and not SSM_PARAMETER.fullmatch(parameter):
        t.problems.add(t.key("vault_secret_id_parameter"), "is not an SSM parameter name")
    t.finish()
    return RotationConfig(function, timeout, role_id, parameter or "")


def _network(t: Table) -> NetworkConfig:
    proxy = t.text("https_proxy")
    if proxy:
        problem = proxy_problem(proxy)
        if problem:
            t.problems.add(t.key("https_proxy"), problem)
            proxy = None
    ca_bundle = _pem_file(t, "ca_bundle")
    t.finish()
    return NetworkConfig(https_proxy=proxy or None, ca_bundle=ca_bundle)


def proxy_problem(proxy: str) -> str | None:
    """Why this proxy URL is refused, or None."""
    try:
        parts = urlsplit(proxy)
        port = parts.port
    except ValueError:
        return f"{quote(proxy)} is not a proxy URL"
    if parts.scheme not in ("http", "https") or not parts.hostname or port is None:
        return f"{quote(proxy)} is not an http://host:port or https://host:port proxy URL"
    if parts.username or parts.password:
        return "proxy credentials do not belong in the config file; it is not a secret store"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return f"{quote(proxy)} has a path; a proxy URL is scheme://host:port only"
    return None


def _encrypted_key(path: str) -> bool:
    """An encrypted PKCS#8 key ("ENCRYPTED PRIVATE KEY") or a legacy one with a DEK-Info."""
    try:
        head = Path(path).read_text(errors="replace")[:4096]
    except OSError:
        return False
    return "BEGIN ENCRYPTED PRIVATE KEY" in head or "Proc-Type: 4,ENCRYPTED" in head


def _pem_file(t: Table, key: str) -> str | None:
    value = t.text(key)
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_file():
        t.problems.add(t.key(key), f"{quote(value)} is not a readable file")
        return None
    return str(path)


def _roster(config_ops: list[Operator], approvers: list[Approver], problems: Problems) -> None:
    if not config_ops:
        problems.add("operators", "at least one operator is required")
    primaries = [a for a in approvers if a.role == "primary"]
    secondaries = [a for a in approvers if a.role == "secondary" and not a.aws_infrastructure]
    if approvers and not primaries:
        problems.add("approvers", 'at least one approver with role = "primary" (CISO) is required')
    if approvers and not secondaries:
        problems.add(
            "approvers",
            'at least one approver with role = "secondary" and aws_infrastructure = false '
            "(senior management not involved with the AWS infrastructure) is required",
        )
    if not approvers:
        problems.add(
            "approvers", "at least two approvers (one primary, one secondary) are required"
        )
    seen: dict[str, str] = {}
    groups: tuple[tuple[str, Sequence[Operator | Approver]], ...] = (
        ("operators", config_ops),
        ("approvers", approvers),
    )
    for section, people in groups:
        for i, person in enumerate(people):
            where = f"{section}[{i}].id"
            if person.id in seen and seen[person.id] == section:
                problems.add(where, f'"{person.id}" is used more than once in {section}')
            seen.setdefault(person.id, section)


def parse_config(data: dict[str, Any]) -> Config:
    """Validate parsed TOML and build the model; raises ConfigError listing every problem."""
    problems = Problems()
    root = Table(data, "", problems)
    organisation = _organisation(root.table("organisation", required=True))
    operators = _operators(root)
    approvers = _approvers(root)
    vault = _vault(root.table("vault", required=True))
    directory = accounts_section.directory(root.table("directory"))
    accounts = accounts_section.accounts(root)
    role = _role(root.table("role"))
    session = _session(root.table("session"), role)
    monitoring = _monitoring(root.table("monitoring"))
    notifications = _notifications(root.table("notifications", required=True))
    rotation = _rotation(root.table("rotation"))
    provisioning = _provisioning(root.table("provisioning"))
    network = _network(root.table("network"))
    emergency_types = accounts_section.emergency_types(root)
    approvals = root.table("approvals")
    approval = _approvals(approvals)
    approvals.finish()
    anchor = _anchor(root.table("anchor"))
    root.finish()
    _roster(operators, approvers, problems)
    if problems.items or organisation is None or vault is None or notifications is None:
        raise ConfigError(problems.items or ["the configuration is incomplete"])
    return Config(
        organisation=organisation,
        operators=tuple(operators),
        approvers=tuple(approvers),
        vault=vault,
        accounts=tuple(accounts),
        notifications=notifications,
        role=role,
        session=session,
        monitoring=monitoring,
        rotation=rotation,
        provisioning=provisioning,
        network=network,
        emergency_types=emergency_types,
        approvals=approval,
        anchor=anchor,
        directory=directory,
    )


def load_config(path: Path) -> Config:
    """Read and validate a TOML file; every failure is a ConfigError with readable problems."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read ({exc.strerror or exc})"]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: is not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: is not valid TOML ({exc})"]) from None
    return parse_config(data)
