"""What the screens say about what the app can and cannot vouch for (issue 18): the recovery
screen says when the journal's story is impossible (a forged CLOSED does not hide the incident),
and the approvals page says what a TOTP approval does not prove."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from breakglass_gui.core.chain import TRANSITION
from breakglass_gui.core.humane import when
from breakglass_gui.core.incident import State
from breakglass_gui.ui.context import AppOptions
from breakglass_gui.ui.controller import Controller, Opening
from breakglass_gui.ui.pages.recovery import RecoveryPage
from tests.fakes.world import World


def test_a_forged_close_is_shown_on_the_recovery_screen(
    qtbot: Any, world: World, tmp_path: Path
) -> None:
    proc = world.drive(world.declare(), State.ACTIVE)
    proc.shutdown()
    world.journal.append(proc.id, TRANSITION, {"from": "ACTIVE", "to": "CLOSED"})
    ctl = Controller(AppOptions(data_dir=tmp_path))
    ctl.deps = world.deps()
    ctl.opening = Opening.of(ctl.deps)  # both stages of a start at once
    ctl.recovering = [proc.id]
    page = RecoveryPage(ctl)
    qtbot.addWidget(page)
    page.refresh()
    text = page.facts.toPlainText()
    assert "The journal tells an impossible story" in text
    assert "ACTIVE → CLOSED is not a step of the procedure" in text
    assert when(proc.incident.declared_at) in text  # a time for people, not the ISO stamp
    assert proc.incident.declared_at not in text
    assert page.incident is not None and page.incident.state is State.ACTIVE  # not CLOSED
    assert page.resume.text() == "&Continue: revoke and rotate"


def test_the_approvals_page_says_what_a_totp_approval_does_not_prove(
    qtbot: Any, world: World, tmp_path: Path
) -> None:
    """Issue 18, item 1: while `totp` is the method, the page says that anyone who can read
    this workstation's keyring can produce the codes."""
    from breakglass_gui.ui.pages.approvals import ApprovalsPage

    ctl = Controller(AppOptions(data_dir=tmp_path))
    ctl.deps = world.deps()
    ctl.opening = Opening.of(ctl.deps)  # both stages of a start at once
    ctl.procedure = world.declare()
    page = ApprovalsPage(ctl)
    qtbot.addWidget(page)
    page.refresh()
    assert not page.caveat.isHidden()
    assert "anyone who can read that keyring can produce them" in page.caveat.text()
    assert page.caveat.text() == " ".join(ctl.deps.approvals.caveats)
