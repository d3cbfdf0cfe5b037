"""Revoke-and-rotate refuses to count a revocation it could not read back (docs/rules.md §4.4): the
role sessions in each account and the IAM user's MFA sessions alike. The incident stays ENDING with
the step to retry, and a retry once IAM answers right finishes it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from breakglass_gui.core.errors import ProcedureError
from breakglass_gui.core.incident import State
from tests.fakes.aws_answers import hook_answer
from tests.fakes.world import TARGETS, World

OLD_CUTOFF = "2001-01-01T00:00:00Z"


def _stale_revocation(params: dict[str, Any]) -> Any:
    """IAM answering with an older revocation left in place (its cut-off long past)."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": ["*"],
                "Resource": ["*"],
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": OLD_CUTOFF}},
            }
        ],
    }
    return hook_answer({**params, "PolicyDocument": json.dumps(document)})


@pytest.mark.parametrize(
    ("operation", "step"),
    [
        ("iam.GetUserPolicy", "revoke.user:break-glass-user-1"),
        ("iam.GetRolePolicy", f"revoke.role:{TARGETS[0]}"),
    ],
)
def test_a_revocation_that_does_not_read_back_is_not_done(
    world: World, operation: str, step: str
) -> None:
    proc = world.drive(world.declare(), State.ACTIVE)
    proc.end_session()
    world.faults.answers[operation] = _stale_revocation
    with pytest.raises(ProcedureError) as raised:
        proc.revoke_and_rotate()
    assert raised.value.code == "ending.incomplete"
    assert step in raised.value.message and "did not read back" in raised.value.message
    assert OLD_CUTOFF in raised.value.message
    assert proc.state is State.ENDING  # never REVOKED on an unverified revocation
    assert not proc.incident.done(step)
    outcomes = [
        e.payload
        for e in world.journal.entries(proc.id)
        if e.kind == "effect.outcome" and e.payload.get("key") == step
    ]
    assert outcomes and outcomes[-1]["code"] == "ending.verify", outcomes

    del world.faults.answers[operation]
    world.drive(proc, State.ROTATED)
    assert proc.state is State.ROTATED
    assert proc.incident.done(step)


def test_an_incident_longer_than_every_session_ends_without_a_restart(world: World) -> None:
    """A 14-hour incident: every role session (≤ 1 h chained) and the MFA session (≤ 12 h)
    are long dead when the operator ends it. AWS refuses expired credentials with ExpiredToken
    (moto would not: the world's fault hook answers as AWS does). The ending asks for a new MFA
    code, re-obtains what it needs and finishes; no expired key is ever sent.

    moto stamps expiries with the real time, so the 14 hours are the sessions' age, not a jump
    of the workstation clock: each held session was issued 14 h ago and expired since."""
    proc = world.drive(world.declare(), State.ACTIVE)
    mfa = proc.parts.custody.mfa_session()
    assert mfa is not None
    now = world.clock.now()
    # The role sessions' keys are refused from now on. (moto gives every GetSessionToken the
    # same access key id, so the MFA session's cannot be singled out: that the ending makes no
    # call with it is checked below instead.)
    world.faults.expired_keys = {s.credentials.access_key_id for s in proc.sessions.values()}
    for session in proc.sessions.values():
        session.issued, session.expires = now - 14 * 3600, now - 13 * 3600
        session.credentials.expiration = session.expires
    mfa.expiration = now - 2 * 3600  # 12 h after it was issued
    proc.end_session()
    calls = len(world.faults.calls)
    with pytest.raises(ProcedureError) as raised:
        proc.revoke_and_rotate()
    assert raised.value.code == "needs.mfa"
    assert world.faults.calls[calls:] == []  # nothing tried with the dead MFA session
    assert proc.needs() == "mfa"  # what the GUI shows next: the MFA page
    proc.verify_mfa(world.mfa_code())
    proc.revoke_and_rotate()
    assert proc.state is State.ROTATED
    assert world.faults.refused_expired == []  # never tried with a dead session
    for account in TARGETS:
        assert proc.incident.done(f"revoke.role:{account}")
