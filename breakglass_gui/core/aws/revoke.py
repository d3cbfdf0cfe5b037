"""Revoking sessions (docs/rules.md §4.1, §4.2) with the IAM console's "Revoke active sessions"
document.

An inline policy `AWSRevokeOlderSessions` denies everything to any temporary credentials issued
before the cut-off. Long-term access keys carry no `aws:TokenIssueTime`, so the same document on
the IAM user kills its MFA sessions without touching its keys. Each call is idempotent: putting
the policy again only moves the cut-off later. The cut-off is AWS's time, not the workstation's:
max(local clock, AWS's `Date`) + a margin (server_time.py), so a clock set back spares no one.
"""

from __future__ import annotations

import json
from typing import Any

from breakglass_gui.core.aws.changes import policy_document
from breakglass_gui.core.aws.errors import classify
from breakglass_gui.core.clock import utc_iso

POLICY_NAME = "AWSRevokeOlderSessions"


def revoke_document(cutoff: float) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": ["*"],
                "Resource": ["*"],
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": _iso_seconds(cutoff)}},
            }
        ],
    }


def _iso_seconds(epoch: float) -> str:
    return utc_iso(epoch)[:19] + "Z"


def revoke_role_sessions(iam: Any, role_name: str, cutoff: float) -> dict[str, Any]:
    document = revoke_document(cutoff)
    try:
        iam.put_role_policy(
            RoleName=role_name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(document)
        )
    except Exception as exc:
        raise classify(exc) from None
    return {"role": role_name, "policy": POLICY_NAME, "cutoff": _iso_seconds(cutoff)}


def revoke_user_sessions(iam: Any, user_name: str, cutoff: float) -> dict[str, Any]:
    document = revoke_document(cutoff)
    try:
        iam.put_user_policy(
            UserName=user_name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(document)
        )
    except Exception as exc:
        raise classify(exc) from None
    return {"user": user_name, "policy": POLICY_NAME, "cutoff": _iso_seconds(cutoff)}


def _read_back(call: Any, cutoff: float, what: str) -> dict[str, Any]:
    """Read the policy back. An AccessDenied is proof too: our own old session is now refused."""
    try:
        response = call()
    except Exception as exc:
        error = classify(exc)
        if error.code == "aws.access_denied":
            return {"verified": True, "how": f"{what}: the revoked session is now denied"}
        raise error from None
    document = policy_document(response["PolicyDocument"])
    statement = document.get("Statement", [{}])[0]
    condition = statement.get("Condition", {}).get("DateLessThan", {})
    issued_before = condition.get("aws:TokenIssueTime", "")
    ok = statement.get("Effect") == "Deny" and issued_before >= _iso_seconds(cutoff)
    return {"verified": ok, "how": f"{what}: policy read back, cut-off {issued_before}"}


def verify_role_revocation(iam: Any, role_name: str, cutoff: float) -> dict[str, Any]:
    return _read_back(
        lambda: iam.get_role_policy(RoleName=role_name, PolicyName=POLICY_NAME),
        cutoff,
        f"role {role_name}",
    )


def verify_user_revocation(iam: Any, user_name: str, cutoff: float) -> dict[str, Any]:
    return _read_back(
        lambda: iam.get_user_policy(UserName=user_name, PolicyName=POLICY_NAME),
        cutoff,
        f"user {user_name}",
    )
