"""Issue 18 (e): the journal can be rewritten by whoever holds the operator's OS account — with
the app's own code, every hash and the head stay consistent. What the chain cannot show, the
replay does: every transition must follow from the previous one and from its evidence, so a
forged ending is reported by `verify` and the incident opens in recovery, never as closed."""

from __future__ import annotations

from typing import Any

import pytest

from breakglass_gui.core import integrity
from breakglass_gui.core.chain import TRANSITION
from breakglass_gui.core.errors import ProcedureError
from breakglass_gui.core.incident import State
from breakglass_gui.core.need import Need
from breakglass_gui.core.procedure import Procedure
from breakglass_gui.core.verify import verify_file
from tests.fakes.world import World


def _forge(world: World, incident: str, *steps: tuple[str, str], **payload: Any) -> int:
    """Append transitions as an attacker would: through the journal's own API, so every hash
    and the head are right. Returns the first forged entry's seq."""
    first = 0
    for before, after in steps:
        entry = world.journal.append(incident, TRANSITION, {"from": before, "to": after, **payload})
        first = first or entry.seq
    return first


def test_a_genuine_incident_tells_a_possible_story(world: World) -> None:
    proc = world.drive(world.declare(), State.CLOSED)
    assert integrity.check(world.journal).ok
    assert proc.id not in integrity.unfinished(world.journal)
    assert verify_file(world.journal.path).ok


def test_a_closed_appended_after_active_is_tampering_and_the_incident_is_recovered(
    world: World,
) -> None:
    proc = world.drive(world.declare(), State.ACTIVE)
    incident_id = proc.id
    proc.shutdown()  # the operator's session ends here; the attacker writes the rest
    forged = _forge(world, incident_id, ("ACTIVE", "CLOSED"))
    assert world.journal.verify().ok  # the chain and the head are consistent …
    result = integrity.check(world.journal)  # … the story is not
    assert (result.ok, result.first_bad_seq) == (False, forged)
    assert "ACTIVE → CLOSED is not a step" in result.reason
    assert not verify_file(world.journal.path).ok
    assert world.journal.unfinished_incidents() == []  # the old check was fooled
    assert integrity.unfinished(world.journal) == [incident_id]  # this one is not

    resumed = Procedure.resume(world.deps(), incident_id)
    assert resumed.state is State.ACTIVE and resumed.incident.tampering
    kinds = [e.kind for e in world.journal.entries(incident_id)]
    assert "incident.tampering_detected" in kinds
    assert resumed.needs() is not Need.DONE
    world.drive(resumed, State.CLOSED)  # revoked, rotated, reviewed for real
    assert resumed.incident.done(f"revoke.user:{resumed.incident.vault_user}")
    assert resumed.ending().pending() == []  # every step of the ending was done for real


def test_a_forged_ending_without_revocation_evidence_is_tampering(world: World) -> None:
    proc = world.drive(world.declare(), State.ACTIVE)
    proc.shutdown()
    steps = [("ACTIVE", "ENDING"), ("ENDING", "REVOKED"), ("REVOKED", "ROTATED")]
    steps += [("ROTATED", "REVIEWED"), ("REVIEWED", "CLOSED")]
    forged = _forge(world, proc.id, *steps)
    result = integrity.check(world.journal)
    assert (result.ok, result.first_bad_seq) == (False, forged + 1)  # ENDING is possible
    assert "REVOKED without the user's sessions revoked" in result.reason
    assert integrity.unfinished(world.journal) == [proc.id]


def test_a_forged_abort_after_a_role_session_is_tampering(world: World) -> None:
    proc = world.drive(world.declare(), State.ACTIVE)
    proc.shutdown()
    forged = _forge(world, proc.id, ("ACTIVE", "ABORTED"))
    assert integrity.check(world.journal).first_bad_seq == forged
    assert integrity.unfinished(world.journal) == [proc.id]


def test_a_forged_approval_transition_is_tampering(world: World) -> None:
    proc = world.declare()
    forged = _forge(world, proc.id, ("DECLARED", "APPROVED"))
    result = integrity.check(world.journal)
    assert result.first_bad_seq == forged and "without both sign-offs" in result.reason


def test_a_recovery_step_needs_a_role_session_requested(world: World) -> None:
    """The app's own recovery moves an incident to ACTIVE when a role session may exist; the
    same entry without one is not believed."""
    proc = world.declare()
    forged = _forge(world, proc.id, ("DECLARED", "APPROVED"), reason="recovery: forged")
    assert integrity.check(world.journal).first_bad_seq == forged


def test_the_procedure_never_journals_a_step_the_replay_would_refuse(world: World) -> None:
    proc = world.drive(world.declare(), State.ENDING)
    before = len(world.journal.entries())
    with pytest.raises(ProcedureError, match="without the user's sessions revoked"):
        proc.parts.recorder.transition(State.REVOKED)
    assert len(world.journal.entries()) == before
