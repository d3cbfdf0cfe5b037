"""What the drill organisation looks like: its accounts, users, names and configuration.

One IAM account (moto's default) holding the two break-glass users, three named member
accounts (more for the scale benchmarks), one region. The configuration is what an
administrator would write for such an organisation, pointed at the drill's servers.
"""

from __future__ import annotations

from typing import Any

IAM_ACCOUNT = "123456789012"  # moto's default account: the drill's TMPL_IAM account
MEMBERS = ("210000000001", "210000000002", "210000000003")
REGION = "eu-central-1"
ROTATION_FUNCTION = (
    f"arn:aws:lambda:{REGION}:{IAM_ACCOUNT}:function:a-tmpl-prod-lambda-break-glass-rotation"
)
ROTATION_APPROLE = "breakglass-rotation"
ROTATION_POLICY = "breakglass-rotation"
USERS = ("break-glass-user", "break-glass-user-2")
VAULT_USER = "breakglass"
ADMIN_KEY = ("drill-admin", "drill-admin-secret")  # moto accepts any key for the admin side


def member_ids(count: int) -> tuple[str, ...]:
    """The drill's member accounts: the three named ones, then more for scale benchmarks."""
    extra = tuple(f"2100000{n:05d}" for n in range(len(MEMBERS) + 1, count + 1))
    return (MEMBERS + extra)[:count]


def account_name(index: int) -> str:
    names = ("payments-prod", "payments-test", "data-lake")
    return names[index] if index < len(names) else f"member-{index + 1:03d}"


def account_environment(index: int) -> str:
    return "test" if index % 3 == 1 else "prod"


def drill_config_data(
    vault_address: str,
    ca_file: str | None = None,
    members: int = len(MEMBERS),
    snapshot: str | None = None,
) -> dict[str, Any]:
    """The drill's configuration; `ca_file` (the drill CA) becomes the only trust anchor.
    With `snapshot`, the accounts come from the drill organisation's account snapshot
    (drill/organisation.py) instead of the config's list."""
    accounts = [
        {"id": account, "name": account_name(i), "environment": account_environment(i)}
        for i, account in enumerate(member_ids(members))
    ]
    data: dict[str, Any] = {
        "organisation": {
            "name": "Drill Corp",
            "iam_account_id": IAM_ACCOUNT,
            "partition": "aws",
            "region": REGION,
        },
        # No [approvals] table: the default signature methods. The primary signs with a
        # security key, the secondary with ssh (drill/approver_devices.py).
        "operators": [
            {
                "id": "drill-operator",
                "name": "Drill Operator",
                "email": "operator@drill.invalid",
                "vault_identity": VAULT_USER,  # the drill operator's own Vault login
            }
        ],
        "approvers": [
            {
                "id": "drill-ciso",
                "name": "Drill CISO",
                "email": "ciso@drill.invalid",
                "role": "primary",
                "aws_infrastructure": False,
            },
            {
                "id": "drill-cfo",
                "name": "Drill CFO",
                "email": "cfo@drill.invalid",
                "role": "secondary",
                "aws_infrastructure": False,
            },
        ],
        "vault": {
            "address": vault_address,
            "auth_method": "userpass",
            "username": VAULT_USER,
            "users": list(USERS),
            "default_user": USERS[0],
            "timeout_seconds": 5,
        },
        "accounts": [{"id": IAM_ACCOUNT, "name": "tmpl-iam", "environment": "shared"}, *accounts],
        "session": {"mfa_mode": "session", "max_duration": 3600, "default_duration": 3600},
        "monitoring": {
            "log_group_account": IAM_ACCOUNT,
            "region": REGION,
            "live_tail": False,
            "poll_interval_seconds": 5,
        },
        "notifications": {
            "sns_topic_arn": f"arn:aws:sns:{REGION}:{IAM_ACCOUNT}:a-tmpl-prod-sns-break-glass",
            "subscriptions": ["email:secops@drill.invalid"],
        },
    }
    if snapshot:
        data["accounts"] = []
        data["directory"] = {"source": "organizations", "snapshot": snapshot}
    if ca_file:  # the drill trusts its own CA and nothing else (drill/tls.py)
        data["vault"]["ca_bundle"] = ca_file
        data["network"] = {"ca_bundle": ca_file}
    return data
