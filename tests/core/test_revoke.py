"""The revocation document and its read-back (docs/rules.md §4.1, §4.2, §4.4). A revocation counts
as done only when IAM gives back a Deny whose cut-off is at least the one written; a failed read
(the policy missing, the network) is no proof. Only AccessDenied on our own, now revoked,
session is."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from breakglass_gui.core.aws import revoke
from breakglass_gui.core.errors import BreakGlassError

CUTOFF = 1_900_000_000.0  # 2030-03-17T17:46:40Z
WRITTEN = "2030-03-17T17:46:40Z"


def _error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


class FakeIam:
    """Records what was put; answers the read-back with what a test chose."""

    def __init__(self, answer: Any = None) -> None:
        self.put: list[dict[str, Any]] = []
        self.answer = answer

    def put_role_policy(self, **kwargs: Any) -> None:
        self._put(kwargs)

    def put_user_policy(self, **kwargs: Any) -> None:
        self._put(kwargs)

    def _put(self, kwargs: dict[str, Any]) -> None:
        self.put.append(kwargs)

    def get_role_policy(self, **kwargs: Any) -> dict[str, Any]:
        return self._get(kwargs)

    def get_user_policy(self, **kwargs: Any) -> dict[str, Any]:
        return self._get(kwargs)

    def _get(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        assert kwargs["PolicyName"] == "AWSRevokeOlderSessions"
        if isinstance(self.answer, Exception):
            raise self.answer
        return {"PolicyName": kwargs["PolicyName"], "PolicyDocument": self.answer}


def _document(cutoff: str, effect: str = "Deny") -> str:
    """As IAM returns it: URL-encoded JSON text."""
    from urllib.parse import quote

    statement = {
        "Effect": effect,
        "Action": ["*"],
        "Resource": ["*"],
        "Condition": {"DateLessThan": {"aws:TokenIssueTime": cutoff}},
    }
    return quote(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))


def test_the_document_denies_everything_issued_before_the_cutoff_to_the_second() -> None:
    document = revoke.revoke_document(CUTOFF + 0.9)
    (statement,) = document["Statement"]
    assert statement == {
        "Effect": "Deny",
        "Action": ["*"],
        "Resource": ["*"],
        "Condition": {"DateLessThan": {"aws:TokenIssueTime": WRITTEN}},
    }
    assert document["Version"] == "2012-10-17"


def test_role_and_user_revocation_put_that_document_under_its_fixed_name() -> None:
    iam = FakeIam()
    role = revoke.revoke_role_sessions(iam, "a-tmpl-prod-rol-break-glass", CUTOFF)
    user = revoke.revoke_user_sessions(iam, "break-glass-user", CUTOFF)
    assert role == {
        "role": "a-tmpl-prod-rol-break-glass",
        "policy": revoke.POLICY_NAME,
        "cutoff": WRITTEN,
    }
    assert user == {"user": "break-glass-user", "policy": revoke.POLICY_NAME, "cutoff": WRITTEN}
    assert [call.get("RoleName") or call.get("UserName") for call in iam.put] == [
        "a-tmpl-prod-rol-break-glass",
        "break-glass-user",
    ]
    for call in iam.put:
        assert call["PolicyName"] == "AWSRevokeOlderSessions"
        assert json.loads(call["PolicyDocument"]) == revoke.revoke_document(CUTOFF)


@pytest.mark.parametrize(
    "revoke_sessions", [revoke.revoke_role_sessions, revoke.revoke_user_sessions]
)
def test_a_failed_put_is_raised_classified_never_reported_as_done(revoke_sessions: Any) -> None:
    class Refusing(FakeIam):
        def _put(self, kwargs: dict[str, Any]) -> None:
            raise _error("AccessDenied", "PutRolePolicy")

    with pytest.raises(BreakGlassError) as raised:
        revoke_sessions(Refusing(), "name", CUTOFF)
    assert raised.value.code == "aws.access_denied"


VERIFY = [revoke.verify_role_revocation, revoke.verify_user_revocation]


@pytest.mark.parametrize("verify", VERIFY)
def test_a_deny_with_the_cutoff_written_or_later_reads_back_as_verified(verify: Any) -> None:
    for later in (WRITTEN, "2030-03-17T17:46:41Z", "2031-01-01T00:00:00Z"):
        check = verify(FakeIam(_document(later)), "name", CUTOFF)
        assert check["verified"] is True, later
        assert later in check["how"]


@pytest.mark.parametrize("verify", VERIFY)
def test_an_earlier_cutoff_reads_back_as_not_verified(verify: Any) -> None:
    """An older revocation left in place does not cover sessions issued since (even by one
    second, or by a cut-off string one character short)."""
    for earlier in ("2030-03-17T17:46:39Z", "2030-03-17T17:46:4", "2020-01-01T00:00:00Z", ""):
        assert verify(FakeIam(_document(earlier)), "name", CUTOFF)["verified"] is False, earlier


@pytest.mark.parametrize("verify", VERIFY)
def test_an_allow_with_the_right_cutoff_is_not_a_revocation(verify: Any) -> None:
    assert verify(FakeIam(_document(WRITTEN, effect="Allow")), "name", CUTOFF)["verified"] is False


@pytest.mark.parametrize("verify", VERIFY)
def test_a_document_without_the_condition_is_not_a_revocation(verify: Any) -> None:
    bare = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    )
    assert verify(FakeIam(bare), "name", CUTOFF)["verified"] is False


@pytest.mark.parametrize("verify", VERIFY)
@pytest.mark.parametrize("code", ["NoSuchEntity", "ServiceFailure", "Throttling"])
def test_a_failed_read_is_no_proof(verify: Any, code: str) -> None:
    with pytest.raises(BreakGlassError):
        verify(FakeIam(_error(code, "GetRolePolicy")), "name", CUTOFF)


@pytest.mark.parametrize("verify", VERIFY)
def test_access_denied_on_the_read_back_is_proof_the_session_is_revoked(verify: Any) -> None:
    check = verify(FakeIam(_error("AccessDenied", "GetRolePolicy")), "name", CUTOFF)
    assert check["verified"] is True
    assert "now denied" in check["how"]
