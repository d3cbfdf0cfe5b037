"""The recovery screen tells the operator when the journal's story is impossible (issue 18 (e)):
a forged CLOSED does not hide the incident, and the screen says why it is back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from breakglass_gui.core.chain import TRANSITION
from breakglass_gui.core.incident import State
from breakglass_gui.ui.context import AppOptions
from breakglass_gui.ui.controller import Controller
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
    ctl.recovering = [proc.id]
    page = RecoveryPage(ctl)
    qtbot.addWidget(page)
    page.refresh()
    text = page.facts.toPlainText()
    assert "The journal tells an impossible story" in text
    assert "ACTIVE → CLOSED is not a step of the procedure" in text
    assert page.incident is not None and page.incident.state is State.ACTIVE  # not CLOSED
    assert page.resume.text() == "&Continue: revoke and rotate"
