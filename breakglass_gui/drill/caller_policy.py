"""What AWS checks on AssumeRole and moto does not: the caller's own identity policy.

A cross-account AssumeRole that sets a source identity needs `sts:SetSourceIdentity`, and one
that passes session tags needs `sts:TagSession`, allowed in the caller's identity policy as
well as in the role's trust policy (IAM User Guide: "Pass session tags in AWS STS" →
"Permissions required to add session tags"; "Monitor and control actions taken with assumed
roles" → "Permissions required to set source identity"). moto grants the call regardless; the
drill refuses it in AWS's words, so a blueprint that forgets them fails the drill as it would
fail in a real organisation.

Simplified on purpose: only Allow statements of the IAM user's inline and attached policies are
read (no Deny, no Resource or Condition matching; `*` and `sts:*` count). The caller is found
from its access key, or, for an MFA session, from the key that asked for the session.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator, Mapping
from typing import Any


def required_actions(form: Mapping[str, str]) -> list[str]:
    """The STS actions an AssumeRole request needs, from its form parameters."""
    needed = ["sts:AssumeRole"]
    if form.get("SourceIdentity"):
        needed.append("sts:SetSourceIdentity")
    if any(key.startswith("Tags.member.") for key in form):
        needed.append("sts:TagSession")
    return needed


def refused_action(form: Mapping[str, str], caller_key: str) -> tuple[str, str] | None:
    """(the caller's ARN, the first needed action its policies do not allow), or None when the
    caller is not an IAM user the drill knows (a role session, the admin) or all are allowed."""
    found = _user(caller_key)
    if found is None:
        return None
    arn, documents = found
    allowed = [a.lower() for a in _allowed_actions(documents)]
    for action in required_actions(form):
        if not any(fnmatch.fnmatchcase(action.lower(), pattern) for pattern in allowed):
            return arn, action
    return None


def _user(access_key_id: str) -> tuple[str, list[str]] | None:
    from moto.iam.models import get_account_id_from, iam_backends

    backend = iam_backends[get_account_id_from(access_key_id)]["global"]
    user = backend.get_user_from_access_key_id(access_key_id)
    if user is None:
        return None
    documents = list(user.policies.values())
    for policy in user.managed_policies.values():
        documents += [
            v.document for v in policy.versions if v.version_id == policy.default_version_id
        ]
    return str(user.arn), documents


def _allowed_actions(documents: list[str]) -> Iterator[str]:
    for text in documents:
        document: Any = json.loads(text) if isinstance(text, str) else text
        statements = document.get("Statement", [])
        for statement in [statements] if isinstance(statements, dict) else statements:
            if statement.get("Effect") != "Allow":
                continue
            actions = statement.get("Action", [])
            yield from [actions] if isinstance(actions, str) else actions
