"""An account outside the signed scope needs a new pair of signatures (issue 18, item 5): while
access is open, widening the request stops every Vault read and AssumeRole until both approvers
sign the widened request; a forged re-approval changes nothing; the ending is never held up."""

from __future__ import annotations

import pytest

from breakglass_gui.core.errors import ProcedureError
from breakglass_gui.core.incident import Incident, State
from breakglass_gui.core.need import Need
from tests.fakes.world import IAM_ACCOUNT, TARGETS, World


def widened(world: World) -> object:
    proc = world.drive(world.declare(), State.ACTIVE)
    assert IAM_ACCOUNT in proc.widenable_accounts()
    proc.widen_request((IAM_ACCOUNT,))
    return proc


def test_more_accounts_wait_for_two_new_signatures(world: World) -> None:
    proc = widened(world)
    assert proc.needs() is Need.APPROVALS  # the approvals page, with access still open
    with pytest.raises(ProcedureError) as raised:  # not even an account signed for before
        proc.add_account(TARGETS[0])
    assert raised.value.code == "procedure.unapproved"
    text = proc.approval_request().text
    assert IAM_ACCOUNT in text and all(t in text for t in TARGETS)
    world.step(proc)  # primary
    assert proc.needs() is Need.APPROVALS
    world.step(proc)  # secondary
    assert proc.state is State.ACTIVE and proc.needs() is not Need.APPROVALS
    kinds = [e.kind for e in world.journal.entries(proc.id)]
    assert "approval.reapproved" in kinds
    assert proc.incident.unapproved_change() == ""
    proc.add_account(IAM_ACCOUNT)  # now signed for


def test_a_forged_reapproval_changes_nothing(world: World) -> None:
    """The attacker appends `approval.reapproved` with the widened digest and no sign-offs."""
    proc = widened(world)
    digest = proc.incident.request.digest
    world.journal.append(proc.id, "approval.reapproved", {"digest": digest})
    replayed = Incident.replay(world.journal.entries(proc.id))
    assert replayed.unapproved_change() == "the request changed after it was approved"


def test_the_ending_is_not_held_up_by_a_pending_widening(world: World) -> None:
    proc = widened(world)
    proc.end_session()
    proc.revoke_and_rotate()
    assert proc.state is State.ROTATED
