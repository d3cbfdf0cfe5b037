"""The configuration reference (docs/config-reference.md), generated from the model.

Every key's name, type, default and whether it is required come from the dataclasses in
`model.py`; only the sentence explaining it lives here. tests/core/test_config_reference.py
fails if a key has no sentence, a sentence has no key, or the committed file is stale.
Regenerate with `python scripts/references.py`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal, get_args, get_origin

from breakglass_gui.core.config import model

DOCS: dict[str, str] = {
    "organisation": "Who the break-glass access belongs to.",
    "organisation.name": "Organisation name, shown in the app and the review.",
    "organisation.iam_account_id": (
        "The TMPL_IAM account: it holds the two break-glass IAM users (12 digits)."
    ),
    "organisation.partition": "AWS partition of every ARN and endpoint.",
    "organisation.region": "Console home region and default API region.",
    "operators": "People who may run the procedure (one table per person).",
    "operators.id": "Identifier; becomes the STS SourceIdentity of every role session.",
    "operators.name": "Full name.",
    "operators.email": "Email address (an operator can never approve their own request).",
    "approvers": "People who sign the request (docs/rules.md §2.2), one table per person.",
    "approvers.id": "Identifier; the approver's TOTP secret is stored under it in the keyring.",
    "approvers.name": "Full name, shown on the approvals page.",
    "approvers.email": "Email address.",
    "approvers.role": "`primary` (CISO or equivalent) or `secondary` (senior management).",
    "approvers.aws_infrastructure": (
        "Whether this person works on the AWS infrastructure; a secondary approver must not."
    ),
    "vault": "HashiCorp Vault, where the break-glass credentials live (docs/rules.md §2.3, §8).",
    "vault.address": "Vault's URL; HTTPS only (drills included).",
    "vault.auth_method": (
        "`userpass`, `token`, `approle`, `ldap` or `cert`. LDAP may be down in an AD outage."
    ),
    "vault.ca_bundle": "PEM file of the CA that signed Vault's certificate; else the system store.",
    "vault.namespace": "Vault Enterprise namespace, if any.",
    "vault.auth_mount": "Mount path of the auth method, when not the method's default name.",
    "vault.username": "User name for `userpass` and `ldap`.",
    "vault.role_id": "Role ID for `approle` (the secret ID is asked for, never stored).",
    "vault.client_cert": "For `cert`: the operator's client certificate (PEM).",
    "vault.client_key": "For `cert`: its private key, encrypted (PEM); the passphrase is asked.",
    "vault.cert_role": "For `cert`: the cert auth role to log in as.",
    "vault.kv_mount": "Mount of the KV version 2 engine holding the records.",
    "vault.kv_path_prefix": "Records are read at <kv_mount>/data/<prefix>/<IAM user name>.",
    "vault.users": "The break-glass IAM users with a record in Vault.",
    "vault.default_user": "The user the procedure uses unless the operator picks the other one.",
    "vault.timeout_seconds": "Timeout of every Vault request, 1–300 seconds.",
    "accounts": "The AWS accounts an operator may choose (one table per account).",
    "accounts.id": "Account ID (12 digits).",
    "accounts.name": "Name shown in the account picker and the review.",
    "accounts.environment": "Environment label (prod, test, shared…), searchable in the picker.",
    "directory": (
        "Where the accounts come from: this file's `[[accounts]]`, or AWS Organizations through"
        " the snapshot `main.py accounts sync` writes (docs/rules.md §16)."
    ),
    "directory.source": "`config` (the `[[accounts]]` list) or `organizations` (the snapshot).",
    "directory.snapshot": (
        "Absolute path of the account snapshot; empty: `accounts.json` in the app's data"
        " directory (`main.py accounts sync` prints it)."
    ),
    "directory.max_age_days": (
        "Readiness fails, and the account page warns, when the snapshot is older (1–365)."
    ),
    "notifications": "Where the app announces the incident (docs/rules.md §5.3).",
    "notifications.sns_topic_arn": "The SNS topic of the seed; its account and region follow.",
    "notifications.channels": "Where notices go: `sns` (the topic) and/or `syslog` (the local "
    "syslog socket, which SIEM agents forward).",
    "notifications.syslog_socket": "The syslog socket for the `syslog` channel (a Unix datagram "
    "socket; journald and rsyslog listen on `/dev/log`).",
    "notifications.subscriptions": (
        "Subscriptions `provision` creates: `email:…`, `https://…` or `sms:+…`."
    ),
    "role": "The break-glass role assumed in every account.",
    "role.name": "Role name, the same in every account.",
    "role.max_session_duration": "The role's MaxSessionDuration in seconds (readiness checks it).",
    "session": "The access session (docs/rules.md §2.4, §3).",
    "session.mfa_mode": (
        "`session` (GetSessionToken, then role chaining) or `direct` (the code on AssumeRole)."
    ),
    "session.max_duration": "Longest duration an operator may request, in seconds.",
    "session.default_duration": "Duration proposed on the emergency page, in seconds.",
    "session.browser_command": (
        'Browser to open the console with, e.g. ["firefox", "--private-window", "{url}"];'
        " empty: the desktop's default browser. `{url}` becomes the `file://` URL of a private"
        " redirect page, never the sign-in URL (which would be readable in the process list)."
    ),
    "session.logout_first": "Sign out of any console session in that browser before signing in. "
    "Only where AWS honours the logout redirect: in the `aws` partition at "
    "us-east-1.signin.aws.amazon.com; off in GovCloud and China and with a regional sign-in "
    "host other than us-east-1.",
    "session.regional_signin": "Sign in through `organisation.region`'s sign-in host instead of "
    "us-east-1's (`aws` partition only; logout-first is then off unless that region is "
    "us-east-1).",
    "monitoring": "Where the session's CloudTrail activity is read (docs/rules.md §3).",
    "monitoring.log_group": "The CloudWatch Logs group the trail delivers to.",
    "monitoring.log_group_account": "Account holding the log group; empty: the IAM account.",
    "monitoring.region": "Region of the log group; empty: `organisation.region`.",
    "monitoring.live_tail": "Stream events with CloudWatch Logs Live Tail.",
    "monitoring.filter_log_events": "Poll the log group with FilterLogEvents.",
    "monitoring.lookup_events": "Poll CloudTrail LookupEvents in each chosen account.",
    "monitoring.poll_interval_seconds": "Seconds between two polls.",
    "monitoring.trail_name": "The trail `provision` creates and readiness checks.",
    "monitoring.alarm_names": "The seed's alarms, checked at the end of every incident.",
    "rotation": "How credentials are rotated at the end (docs/rules.md §4).",
    "rotation.lambda_function": "ARN of the rotation Lambda; absent: the app rotates directly.",
    "rotation.lambda_timeout_seconds": "How long the app waits for the Lambda.",
    "rotation.vault_role_id": "AppRole role id the reference rotation function logs in with.",
    "rotation.vault_secret_id_parameter": "SSM SecureString holding that AppRole's secret id.",
    "provisioning": "How `provision` and `readiness` reach member accounts.",
    "provisioning.member_role": "Role assumed in member accounts from the IAM account's "
    "profile. `OrganizationAccountAccessRole` trusts only the management account: unless the "
    "IAM account is the management account, deploy a read-only audit role trusting the IAM "
    "account (with the StackSet) and name it here; readiness checks that it can be assumed.",
    "network": "How the app reaches AWS. The only source of a proxy and of trust anchors: "
    "`HTTPS_PROXY`, `ALL_PROXY`, `AWS_CA_BUNDLE`, `REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE` and "
    "the like are ignored (docs/rules.md §12).",
    "network.https_proxy": "Proxy for AWS API and federation requests, `http://host:port` or "
    "`https://host:port` (no credentials in the URL); absent: direct. Vault is always direct.",
    "provisioning.stackset_targets": (
        "Deploy the member accounts' roles with one StackSet (service-managed) to these OUs: paths"
        ' ("Root/Production"; "Root" for every account) or ids (`ou-…`, `r-…`). Empty: account by'
        " account, for the accounts listed."
    ),
    "provisioning.stackset_name": "The StackSet's name.",
    "provisioning.stackset_call_as": (
        "`SELF` from the management account, `DELEGATED_ADMIN` from a StackSets delegated"
        " administrator."
    ),
    "emergency_types": "The emergency types an operator can declare (one table each); absent: "
    "the seed's four and Other.",
    "emergency_types.name": "The type's name, as the emergency page lists it.",
    "emergency_types.accounts": "Account ids requests of this type may reach; empty: any "
    "configured account. Approvals are bound to them.",
    "emergency_types.describe": "Whether the operator must describe the emergency (as for Other).",
    "emergency_types.ous": (
        'OU paths ("Root/Production") whose accounts, and those of the OUs below, requests of'
        ' this type may reach, besides `accounts`; needs `[directory] source = "organizations"`.'
    ),
    "approvals": "How approvers sign.",
    "approvals.methods": "The methods approvers may be enrolled with: `ssh` (an OpenSSH "
    "signature of the request text), `fido2` (a security key with PIN), `totp` (a code checked "
    "against this workstation's keyring: not a signature, never a default). Absent: ssh, fido2.",
    "approvals.request_minutes": "How long a request text can be signed (its not-after time), "
    "5–1440 minutes.",
    "approvals.fido2_rp_id": "The WebAuthn relying-party id security keys are enrolled for.",
    "operators.vault_identity": "The operator's own Vault login (userpass or LDAP username, or "
    "the certificate's common name). The Vault login uses it and must prove it; the proven "
    "identity becomes the role sessions' SourceIdentity. Absent: the operator is not proven "
    "(the review says so).",
    "anchor": "The off-workstation checkpoints: an S3 bucket with Object Lock (compliance "
    "mode) in the log account, written at each step of an incident (docs/rules.md §5.4).",
    "anchor.bucket": "The bucket's name; absent: a-tmpl-prod-s3-break-glass-anchor-<log account>.",
    "anchor.prefix": "Where in the bucket the checkpoints go (default checkpoints/).",
    "anchor.retention_days": "How long each checkpoint cannot be deleted or changed, by anyone "
    "(default 400 days).",
    "network.ca_bundle": "PEM file of the CAs trusted for AWS and federation (and for Vault when "
    "`vault.ca_bundle` is absent); absent: the certifi bundle shipped with the app.",
}


def sections() -> list[tuple[str, type, bool, bool]]:
    """(name, dataclass, is an array of tables, required) for every section of Config."""
    hints = typing.get_type_hints(model.Config)
    found = []
    for f in dataclasses.fields(model.Config):
        kind = hints[f.name]
        many = get_origin(kind) is tuple and dataclasses.is_dataclass(get_args(kind)[0])
        cls = get_args(kind)[0] if many else kind
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        found.append((f.name, cls, many, required))
    return found


def config_fields(cls: Any) -> list[dataclasses.Field[Any]]:
    """The fields a config file sets (not those only the account snapshot fills in)."""
    return [f for f in dataclasses.fields(cls) if f.metadata.get("config_key", True)]


def keys() -> list[str]:
    """Every documented name the model has: sections, then "section.key"."""
    names = []
    for name, cls, _, _ in sections():
        names.append(name)
        names += [f"{name}.{f.name}" for f in config_fields(cls)]
    return names


def _type(kind: Any) -> str:
    origin = get_origin(kind)
    if origin is Literal:
        return " \\| ".join(f"`{a}`" for a in get_args(kind))
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in get_args(kind) if a is not type(None)]
        return _type(inner[0])
    if origin is tuple:
        return f"array of {_type(get_args(kind)[0])}"
    return {str: "string", int: "integer", float: "number", bool: "boolean"}.get(kind, str(kind))


def _default(f: dataclasses.Field[Any]) -> str:
    if f.default is dataclasses.MISSING:
        return "**required**"
    value = f.default
    if value is None:
        return "—"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, tuple):
        return "`[" + ", ".join(f'"{v}"' for v in value) + "]`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value}`"


def render_reference() -> str:
    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated from breakglass_gui/core/config/model.py by "
        "`python scripts/references.py`; do not edit by hand. -->",
        "",
        "One TOML file (docs/rules.md §7): `python main.py paths` prints where the app looks for",
        "it, `--config PATH` (before or after a command) overrides, and",
        "`python main.py check-config PATH` checks one. Every key is checked at start and every",
        "problem is reported with its key path; unknown keys are errors, so a typo never falls",
        "back to a default.",
        "Nothing in the file is secret. An annotated example: `resources/example-config.toml`.",
        "",
    ]
    hints_of = {cls: typing.get_type_hints(cls) for _, cls, _, _ in sections()}
    for name, cls, many, required in sections():
        header = f"[[{name}]]" if many else f"[{name}]"
        status = "required" if required else "optional"
        lines += [f"## `{header}` ({status})", "", DOCS[name], ""]
        lines += ["| key | type | default | meaning |", "|---|---|---|---|"]
        for f in config_fields(cls):
            meaning = DOCS[f"{name}.{f.name}"].replace("|", "\\|")
            kind = _type(hints_of[cls][f.name])
            lines.append(f"| `{f.name}` | {kind} | {_default(f)} | {meaning} |")
        lines.append("")
    return "\n".join(lines)
