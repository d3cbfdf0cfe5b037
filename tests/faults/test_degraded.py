"""Fault matrix — what may degrade without stopping the procedure (docs/rules.md §3, §4, §5.3, §12):
a notification retried, the activity source and the alarm check failing, the Vault token's
revocation failing. Each is journaled and the incident still closes with nothing lost."""

from __future__ import annotations

from typing import Any

import pytest

from breakglass_gui.core.incident import State
from tests.fakes.aws_answers import hook_answer
from tests.fakes.world import World
from tests.faults.matrix import once


def _kinds(world: World, incident: str, kind: str) -> list[dict[str, object]]:
    return [e.payload for e in world.journal.entries(incident) if e.kind == kind]


def test_sns_failing_once_is_retried_with_backoff(world: World) -> None:
    proc = world.drive(world.declare(), State.MFA_VERIFIED)
    world.faults.fail["sns.Publish"] = 1
    world.drive(proc)
    assert proc.state is State.CLOSED
    assert _kinds(world, proc.id, "notification.sent")[0]["attempts"] == 2
    assert _kinds(world, proc.id, "notification.failed") == []


def test_the_activity_source_failing_is_journaled_and_polling_goes_on(world: World) -> None:
    proc = world.drive(world.declare(), State.ACTIVE)
    world.faults.fail["cloudwatch-logs.FilterLogEvents"] = 1
    assert proc.activity.poll() == []
    errors = _kinds(world, proc.id, "activity.source_error")
    assert "cannot be reached" in errors[0]["errors"][0]  # type: ignore[index]
    world.drive(proc)
    assert proc.state is State.CLOSED and world.journal.verify().ok


def _alarm_history(params: dict[str, Any]) -> Any:
    """moto has no DescribeAlarmHistory: AWS's answer for an alarm that fired."""
    item = {"AlarmName": params["AlarmName"], "HistorySummary": "Alarm updated from OK to ALARM"}
    return hook_answer({"AlarmHistoryItems": [item]})


@pytest.mark.parametrize("down", [False, True])
def test_the_alarm_check_failing_is_recorded_as_not_checked(world: World, down: bool) -> None:
    proc = world.drive(world.declare(), State.ENDING)
    world.faults.answers["cloudwatch.DescribeAlarmHistory"] = _alarm_history
    if down:
        world.faults.fail["cloudwatch.DescribeAlarmHistory"] = 1
    world.drive(proc)
    assert proc.state is State.CLOSED
    check = proc.incident.done_effects["check.alarms"]["evidence"]
    if down:
        assert check["checked"] is False and "cannot be reached" in check["error"]
    else:  # the control: with CloudWatch up, the same check finds the alarms fired
        assert check["checked"] is True and check["all_fired"] is True


def test_the_vault_token_revocation_failing_is_retried_before_closing(world: World) -> None:
    proc = world.drive(world.declare(), State.MFA_VERIFIED)
    world.vault.faults["/v1/auth/token/revoke-self"] = once("unreachable")
    world.drive(proc)
    assert proc.state is State.CLOSED
    revocations = [
        r for r in _kinds(world, proc.id, "effect.outcome") if r["key"] == "vault.revoke_token"
    ]
    assert [r["ok"] for r in revocations] == [False, True]
    assert revocations[0]["code"] == "vault.unreachable"
    assert not world.vault.tokens


def test_a_token_a_crash_left_behind_is_revoked_by_accessor_where_the_policy_allows(
    world: World,
) -> None:
    """An organisation that grants `auth/token/revoke-accessor` gets the orphan revoked at
    the next login (the shipped policy does not grant it: tests/drill/test_vault_token_life.py
    shows the lapse time recorded instead)."""
    from breakglass_gui.core.procedure import Procedure
    from breakglass_gui.drill.openbao import OPERATOR_POLICY

    world.vault.admin().sys.create_or_update_policy(
        name=OPERATOR_POLICY,
        policy=world.vault.policy
        + '\npath "auth/token/revoke-accessor" {\n  capabilities = ["update"]\n}\n',
    )
    proc = world.drive(world.declare(), State.VAULT_UNLOCKED)
    orphan = next(iter(world.vault.tokens))
    incident = proc.id
    del proc  # the app dies with its token unrevoked
    world.relaunch()
    resumed = Procedure.resume(world.deps(), incident)
    assert set(resumed.incident.orphaned_tokens) == {orphan}
    world.drive(resumed, State.MFA_VERIFIED)
    revoked = [
        o
        for o in _kinds(world, incident, "effect.outcome")
        if o["key"].startswith("vault.revoke_accessor")
    ]
    assert [o["ok"] for o in revoked] == [True]
    assert orphan not in world.vault.tokens
    assert resumed.incident.orphaned_tokens[orphan]["revoked"] is True
    world.drive(resumed)
    assert resumed.state is State.CLOSED
