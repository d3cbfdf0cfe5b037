"""The procedure's rules, step by step, against moto, recorded Vault and the stand-in."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from breakglass_gui.core.errors import ProcedureError
from breakglass_gui.core.incident import State
from breakglass_gui.core.procedure import Procedure
from breakglass_gui.core.secret import Secret
from tests.fakes.world import TARGETS, VAULT_PASSWORD, World


def _denied(message: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "AccessDenied", "Message": message}}, operation)


def test_the_emergency_page_rules_are_enforced(world: World) -> None:
    with pytest.raises(ProcedureError) as raised:
        world.declare(justification="too short")
    assert raised.value.field == "justification"
    with pytest.raises(ProcedureError) as raised:
        world.declare(emergency_type="Other", other_text="")
    assert raised.value.field == "other_text"
    with pytest.raises(ProcedureError) as raised:
        world.declare(duration_seconds=7200)
    assert raised.value.field == "duration"
    with pytest.raises(ProcedureError) as raised:
        world.declare(operator="mallory")
    assert raised.value.field == "operator"
    proc = world.declare()
    assert proc.id.startswith("BG-") and len(proc.id) == len("BG-20270101-ABCD")


def test_two_approvals_on_the_current_digest_approve_and_an_amendment_voids_them(
    world: World,
) -> None:
    proc = world.declare()
    world.step(proc)
    proc.amend_request(accounts=(TARGETS[0],))
    assert proc.incident.approvals == []
    world.step(proc)
    world.step(proc)
    assert proc.state is State.APPROVED
    assert {a["digest"] for a in proc.incident.approvals} == {proc.incident.request.digest}


def test_accounts_outside_the_approved_request_are_refused(world: World) -> None:
    proc = world.declare(accounts=(TARGETS[0],))
    proc = world.drive(proc, State.MFA_VERIFIED)
    with pytest.raises(ProcedureError) as raised:
        proc.activate(TARGETS)
    assert "needs a new request" in raised.value.message


def test_an_incident_can_be_aborted_before_access_only(world: World) -> None:
    proc = world.drive(world.declare(), State.VAULT_UNLOCKED)
    proc.abort("Active Directory came back on its own.")
    assert proc.state is State.ABORTED
    assert world.journal.unfinished_incidents() == []
    aborted = next(
        e.payload
        for e in world.journal.entries(proc.id)
        if e.kind == "incident.transition" and e.payload["to"] == "ABORTED"
    )
    assert aborted["credentials_read"] is True
    assert not world.vault.tokens  # the Vault token was revoked


def test_sns_failing_every_attempt_degrades_and_the_procedure_continues(world: World) -> None:
    proc = world.drive(world.declare(), State.MFA_VERIFIED)
    world.faults.fail["sns.Publish"] = 3
    proc.activate(TARGETS)
    assert proc.parts.announcer.degraded
    failed = [e for e in world.journal.entries(proc.id) if e.kind == "notification.failed"]
    assert failed and failed[0].payload["attempts"] == 3
    assert proc.state is State.ACTIVE
    assert not proc.missing_sessions()


def test_a_relaunch_finds_the_unfinished_incident_and_recovery_completes(world: World) -> None:
    proc = world.drive(world.declare(), State.ACTIVE)
    incident_id = proc.id
    world.relaunch()
    assert world.journal.unfinished_incidents() == [incident_id]
    resumed = Procedure.resume(world.deps(), incident_id)
    resumed_at = max(e.seq for e in world.journal.entries(incident_id))
    assert resumed.needs() == "vault"
    resumed.end_session()
    assert resumed.needs() == "vault"
    resumed.unlock_vault(Secret(VAULT_PASSWORD))
    assert resumed.needs() == "mfa"
    resumed.verify_mfa(world.mfa_code())
    assert resumed.needs() == "revoke"
    world.drive(resumed)
    assert resumed.state is State.CLOSED
    # Sessions re-issued only to revoke are not announced as new break-glass sessions (and
    # nothing was published before the notification account's session existed).
    after = [
        e.payload
        for e in world.journal.entries(incident_id)
        if e.kind.startswith("notification.") and e.seq > resumed_at
    ]
    assert [n["event"] for n in after if n["event"] == "session"] == []
    assert all(e.kind != "notification.failed" for e in world.journal.entries(incident_id))


def test_direct_mfa_mode_runs_a_whole_incident(make_world: object) -> None:
    world = make_world(session__mfa_mode="direct")  # type: ignore[operator]
    proc = world.drive(world.declare(), State.CLOSED)
    assert "sts.GetSessionToken" not in world.faults.calls
    issued = [e.payload for e in world.journal.entries(proc.id) if e.kind == "session.issued"]
    assert all(not s["chained"] for s in issued)
    assert world.journal.verify().ok
