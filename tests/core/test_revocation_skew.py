"""Revocation is skew-safe (docs/rules.md §4.1, issue 15.4).

`AWSRevokeOlderSessions` is the IAM console's "Revoke active sessions" document: Deny `*` when
`aws:TokenIssueTime` is `DateLessThan` the cut-off. The token's issue time is stamped by AWS's
clock (IAM User Guide, "Revoking IAM role temporary security credentials"; the condition key
`aws:TokenIssueTime`, "AWS global condition context keys"), so a cut-off taken from a workstation
clock that runs behind AWS spares every session issued in that gap — the attacker's first try
is simply to set the operator's clock back. Here the AWS side is moto, whose `Date` headers
carry the real time; the workstation clock is moved 200 s either way.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from breakglass_gui.core.aws.revoke import POLICY_NAME
from breakglass_gui.core.aws.server_time import (
    REVOCATION_MARGIN_SECONDS,
    ServerTime,
    revocation_cutoff,
)
from breakglass_gui.core.clock import utc_iso
from breakglass_gui.core.incident import State
from tests.fakes.world import IAM_ACCOUNT, TARGETS, USERS, World

# ----- the estimate of AWS's clock -------------------------------------------------------------


class Monotonic:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def test_the_aws_clock_is_carried_forward_and_never_under_estimated() -> None:
    mono = Monotonic()
    server = ServerTime(mono)
    assert server.now() is None
    server.observe("Tue, 01 Dec 2026 08:00:00 GMT")  # 1796112000
    assert server.now() == 1_796_112_000 + 1  # Date is truncated to the second
    mono.value += 30
    assert server.now() == 1_796_112_031
    server.observe("Tue, 01 Dec 2026 08:00:29 GMT")  # older-looking (truncation): kept out
    assert server.now() == 1_796_112_031
    server.observe("Tue, 01 Dec 2026 08:00:45 GMT")  # AWS is further on than we thought
    assert server.now() == 1_796_112_046
    for junk in ("", "yesterday", "Tue, 99 Foo 2026 25:61:00 GMT"):
        server.observe(junk)
    assert server.now() == 1_796_112_046


def test_the_cutoff_takes_the_later_clock_plus_the_margin() -> None:
    mono = Monotonic()
    server = ServerTime(mono)
    assert revocation_cutoff(500.0, server)["cutoff"] == 500.0 + REVOCATION_MARGIN_SECONDS
    server.observe("Thu, 01 Jan 1970 00:10:00 GMT")  # AWS at 600 s
    behind = revocation_cutoff(400.0, server)
    assert behind == {"cutoff": 601.0 + 10.0, "local": 400.0, "aws": 601.0, "margin": 10.0}
    assert revocation_cutoff(900.0, server)["cutoff"] == 910.0


def test_every_botocore_answer_feeds_the_estimate_errors_included() -> None:
    server = ServerTime(Monotonic())
    server.response_received(response_dict={"headers": {"Date": "Thu, 01 Jan 1970 00:00:10 GMT"}})
    server.response_received(response_dict=None)  # a connection error: no answer at all
    assert server.now() == 11.0


# ----- a whole incident with the workstation clock off by 200 s --------------------------------


def _cutoffs(world: World) -> dict[str, str]:
    from moto.iam.models import iam_backends

    found = {}
    for account in TARGETS:
        role = iam_backends[account]["global"].get_role(world.config.role.name)
        found[account] = json.loads(role.policies[POLICY_NAME])
    user = iam_backends[IAM_ACCOUNT]["global"].get_user(USERS[0])
    found["user"] = json.loads(user.policies[POLICY_NAME])
    return {
        where: doc["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"]
        for where, doc in found.items()
    }


def _end_with_skew(world: World, skew: float) -> tuple[float, dict[str, str], Any]:
    proc = world.drive(world.declare(), State.ACTIVE)
    # The workstation's clock is set off from AWS's (moto: the real time) during the incident —
    # what an attacker with the operator's account does first. Sessions are issued after it.
    world.clock.advance(skew)
    for account in TARGETS:
        proc.reissue(account)  # the app's own newest sessions, just before the end
    proc.end_session()
    issued_by = time.time()  # AWS's clock: every session so far was issued before this
    proc.revoke_and_rotate()
    return issued_by, _cutoffs(world), proc


@pytest.mark.parametrize("skew", [-200.0, 200.0], ids=["clock 200 s behind", "200 s ahead"])
def test_every_session_issued_before_revocation_is_denied_afterwards(
    world: World, skew: float
) -> None:
    issued_by, cutoffs, proc = _end_with_skew(world, skew)
    # DateLessThan compares ISO 8601 times: a session issued at or before `issued_by` (the
    # app's own included) is denied when its issue time sorts before the cut-off.
    latest_issue = utc_iso(issued_by)[:19] + "Z"
    assert set(cutoffs) == {*TARGETS, "user"}
    for where, cutoff in cutoffs.items():
        assert latest_issue < cutoff, f"{where}: sessions up to {latest_issue} survive {cutoff}"
    assert proc.state is not State.ENDING
    basis = next(
        e.payload["evidence"]["cutoff_basis"]
        for e in world.journal.entries(proc.id)
        if e.kind == "effect.outcome" and e.payload.get("key") == f"revoke.role:{TARGETS[0]}"
    )
    assert basis["aws"] is not None and basis["margin"] == REVOCATION_MARGIN_SECONDS
    assert (basis["local"] - basis["aws"]) * skew > 0  # what the cut-off was derived from


def test_without_aws_time_a_slow_clock_would_spare_the_newest_sessions(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: the same incident with the `Date` headers ignored leaves recent sessions
    alive — the test above would fail if the cut-off stopped using AWS's clock."""
    monkeypatch.setattr(ServerTime, "now", lambda self: None)
    issued_by, cutoffs, _ = _end_with_skew(world, -200.0)
    latest_issue = utc_iso(issued_by)[:19] + "Z"
    assert all(cutoff < latest_issue for cutoff in cutoffs.values())
