"""A failure at each side effect leaves a resumable incident; resuming (as a relaunch) finishes it.

Every parametrised case: run the incident with one side effect failing once (network down),
check that the failure surfaced as a clear error and was journaled, throw away every in-memory
object as a crash would, reopen the journal, resume the incident and drive it to CLOSED.
"""

from __future__ import annotations

import boto3
import pytest

from breakglass_gui.core.errors import BreakGlassError
from breakglass_gui.core.incident import State
from breakglass_gui.core.procedure import Procedure
from tests.fakes.world import REGION, USERS, World

AWS_EFFECTS = [
    "sts.GetSessionToken",
    "sts.AssumeRole",
    "iam.PutRolePolicy",
    "iam.PutUserPolicy",
    "iam.CreateAccessKey",
    "iam.UpdateLoginProfile",
    "iam.UpdateAccessKey",
    "iam.DeleteAccessKey",
]
DEGRADING = {
    # operation → the journal entry kind that records the degradation
    "sns.Publish": "notification.sent",  # retried with backoff: sent on the second attempt
    "cloudwatch-logs.FilterLogEvents": "activity.source_error",
    "cloudwatch.DescribeAlarmHistory": "effect.outcome",
}
VAULT_EFFECTS = [
    "/v1/auth/userpass/login",
    "/v1/secret/data/breakglass/users",
]


def _run_with_fault(world: World, arm: object) -> tuple[Procedure, list[BreakGlassError]]:
    proc = world.declare()
    errors: list[BreakGlassError] = []
    armed = False
    for _ in range(60):
        if proc.state is State.CLOSED:
            break
        if not armed and proc.state is State.APPROVED:
            arm()  # type: ignore[operator]
            armed = True
        try:
            world.step(proc)
        except BreakGlassError as exc:
            errors.append(exc)
            break
    return proc, errors


def _resume_after_crash(world: World, proc: Procedure) -> Procedure:
    incident_id = proc.id
    del proc  # a crash: every secret and session in memory is gone
    world.relaunch()
    assert incident_id in world.journal.unfinished_incidents()
    resumed = Procedure.resume(world.deps(), incident_id)
    if resumed.state is State.ACTIVE:
        resumed.end_session()  # the recovery screen leads into revoke-and-rotate (SPEC §6)
    return resumed


def _assert_finished(world: World, proc: Procedure) -> None:
    assert proc.state is State.CLOSED
    assert world.journal.verify().ok
    iam = boto3.client("iam", region_name=REGION)
    record = world.vault.current(USERS[0])
    active = [
        k["AccessKeyId"]
        for k in iam.list_access_keys(UserName=USERS[0])["AccessKeyMetadata"]
        if k["Status"] == "Active"
    ]
    assert active == [record["access_key_id"]]
    assert world.journal.unfinished_incidents() == []


@pytest.mark.parametrize("operation", AWS_EFFECTS)
def test_an_aws_failure_at_any_side_effect_is_journaled_and_resumable(
    world: World, operation: str
) -> None:
    proc, errors = _run_with_fault(world, lambda: world.faults.fail.__setitem__(operation, 1))
    outcomes = [
        e
        for e in world.journal.entries(proc.id)
        if e.kind == "effect.outcome" and not e.payload["ok"]
    ]
    assert errors, "the failure must reach the operator"
    assert errors[0].message  # a sentence for the operator
    assert outcomes, "the failure must be journaled as an outcome"
    assert outcomes[-1].payload["code"].startswith(("aws.", "ending.", "procedure."))
    resumed = _resume_after_crash(world, proc)
    world.drive(resumed)
    _assert_finished(world, resumed)


@pytest.mark.parametrize("path", VAULT_EFFECTS)
def test_vault_unreachable_at_any_call_is_journaled_and_resumable(world: World, path: str) -> None:
    calls = {"n": 0}

    def once(method: str = "GET") -> str | None:
        calls["n"] += 1
        return "unreachable" if calls["n"] == 1 else None

    proc, errors = _run_with_fault(world, lambda: world.vault.faults.__setitem__(path, once))
    assert errors and errors[0].code == "vault.unreachable"
    resumed = _resume_after_crash(world, proc)
    world.drive(resumed)
    _assert_finished(world, resumed)


def test_the_federation_endpoint_failing_is_reported_and_the_incident_still_ends(
    world: World,
) -> None:
    proc = world.declare()
    world.drive(proc, State.ACTIVE)
    world.federation.fail_next = 400
    with pytest.raises(BreakGlassError) as raised:
        proc.open_console(world.config.accounts[1].id)
    assert raised.value.code == "federation.refused"
    assert world.browser.opened == []
    resumed = _resume_after_crash(world, proc)
    world.drive(resumed)
    _assert_finished(world, resumed)


@pytest.mark.parametrize("operation", sorted(DEGRADING))
def test_notifications_activity_and_alarm_checks_degrade_without_stopping(
    world: World, operation: str
) -> None:
    proc, errors = _run_with_fault(world, lambda: world.faults.fail.__setitem__(operation, 1))
    assert errors == []
    _assert_finished(world, proc)
    entries = [e for e in world.journal.entries(proc.id) if e.kind == DEGRADING[operation]]
    if operation == "sns.Publish":
        assert entries[0].payload["attempts"] == 2
    elif operation == "cloudwatch-logs.FilterLogEvents":
        assert "cannot be reached" in entries[0].payload["errors"][0]
    else:
        alarms = next(e for e in entries if e.payload["key"] == "check.alarms")
        assert alarms.payload["evidence"]["checked"] is False


def test_a_failed_vault_token_revocation_is_journaled_and_retried_before_closing(
    world: World,
) -> None:
    calls = {"n": 0}

    def once(method: str = "GET") -> str | None:
        calls["n"] += 1
        return "unreachable" if calls["n"] == 1 else None

    proc, errors = _run_with_fault(
        world, lambda: world.vault.faults.__setitem__("/v1/auth/token/revoke-self", once)
    )
    assert errors == []
    _assert_finished(world, proc)
    revocations = [
        e.payload
        for e in world.journal.entries(proc.id)
        if e.kind == "effect.outcome" and e.payload["key"] == "vault.revoke_token"
    ]
    assert [r["ok"] for r in revocations] == [False, True]
    assert revocations[0]["code"] == "vault.unreachable"
    assert not world.vault.tokens
