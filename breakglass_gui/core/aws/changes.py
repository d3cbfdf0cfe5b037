"""What provisioning changes and how: one Change, the administrator's clients, the checks
that tell "missing" from "refused", and the wait for IAM to propagate (docs/rules.md §9).

Shared by the provisioner and the parts it deploys (core/aws/rotation_function.py), so that
neither imports the other.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol, TypeVar


class AdminSessions(Protocol):
    """Administrator clients per account (a boto3 profile, member accounts via a role)."""

    def client(self, service: str, account: str, region: str | None = None) -> Any: ...


def policy_document(raw: Any) -> dict[str, Any]:
    """A policy as IAM returns it (a dict from boto3, or URL-encoded JSON text) → dict."""
    if isinstance(raw, str):
        from urllib.parse import unquote

        return dict(json.loads(raw if raw.lstrip().startswith("{") else unquote(raw)))
    return dict(raw)


def canonical_policy(document: dict[str, Any] | str) -> str:
    """Policies compare by meaning: parse, then dump with sorted keys."""
    return json.dumps(policy_document(document), sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Change:
    account: str
    resource: str
    action: str
    detail: str
    run: Callable[[], Any] = field(compare=False, repr=False)

    def describe(self) -> str:
        return f"{self.action:<7} {self.account}  {self.resource}: {self.detail}"


def code_of(exc: Exception) -> str:
    """The AWS error code of a botocore ClientError ("" for anything else)."""
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def exists(call: Callable[[], Any], *missing: str) -> Any | None:
    """The read's answer, or None when AWS says the thing is missing (any other error raises)."""
    try:
        return call()
    except Exception as exc:
        if code_of(exc) in missing:
            return None
        raise


# A role or bucket policy made a moment ago is not yet visible to CloudTrail everywhere: until it
# has propagated, CreateTrail and UpdateTrail answer InvalidCloudWatchLogsRoleArnException ("the
# provided role is not valid") or InsufficientS3BucketPolicyException (CloudTrail API reference,
# CreateTrail, Errors). Those two are retried with growing waits; any other error is not.
T = TypeVar("T")
PROPAGATION_ERRORS = (
    "InvalidCloudWatchLogsRoleArnException",
    "InsufficientS3BucketPolicyException",
)
PROPAGATION_WAITS = (2.0, 4.0, 8.0, 16.0)


# Lambda's CreateFunction with a role made a moment ago: InvalidParameterValueException, "The
# role defined for the function cannot be assumed by Lambda" (Lambda API reference,
# CreateFunction, Errors; the code alone is too broad, so the message decides).
def role_not_yet_assumable(exc: Exception) -> bool:
    return code_of(exc) == "InvalidParameterValueException" and "cannot be assumed" in str(exc)


def _trail_not_ready(exc: Exception) -> bool:
    return code_of(exc) in PROPAGATION_ERRORS


def while_iam_propagates(
    call: Callable[[], T],
    sleep: Callable[[float], None] = time.sleep,
    waits: tuple[float, ...] = PROPAGATION_WAITS,
    errors: Callable[[Exception], bool] = _trail_not_ready,
) -> T:
    for wait in (*waits, None):
        try:
            return call()
        except Exception as exc:
            if wait is None or not errors(exc):
                raise
            sleep(wait)
    raise AssertionError("unreachable: the last attempt returns or raises")


def inline_policy(
    iam: Any, account: str, kind: str, owner: str, name: str, document: Any, detail: str
) -> list[Change]:
    """An IAM user's or role's inline policy as the blueprint has it: created when missing,
    put again when it means something else (compared by meaning, not by spelling), else none."""
    key = {"user": "UserName", "role": "RoleName"}[kind]
    get, put = (
        (iam.get_user_policy, iam.put_user_policy)
        if kind == "user"
        else (iam.get_role_policy, iam.put_role_policy)
    )
    current = exists(partial(get, **{key: owner}, PolicyName=name), "NoSuchEntity")
    wanted = canonical_policy(document)
    if current is not None and canonical_policy(current["PolicyDocument"]) == wanted:
        return []
    return [
        Change(
            account,
            f"iam {kind} {owner} policy {name}",
            "create" if current is None else "update",
            detail,
            partial(put, **{key: owner}, PolicyName=name, PolicyDocument=wanted),
        )
    ]
