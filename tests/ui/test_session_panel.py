"""The activity panel belongs to one incident (issue 19, item 2): the session window of a new
incident starts empty, however many events the previous one showed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from breakglass_gui.core.incident import State
from breakglass_gui.ui.context import AppOptions
from breakglass_gui.ui.controller import Controller, Opening
from breakglass_gui.ui.pages.session import SessionPage
from tests.fakes.world import World
from tests.ui.test_activity_model import event


def test_a_new_incident_starts_with_an_empty_panel(
    qtbot: Any, world: World, tmp_path: Path
) -> None:
    ctl = Controller(AppOptions(data_dir=tmp_path))
    ctl.deps = world.deps()
    ctl.opening = Opening.of(ctl.deps)  # both stages of a start at once
    first = world.drive(world.declare(), State.ACTIVE)
    ctl.procedure = first
    page = SessionPage(ctl)
    qtbot.addWidget(page)
    page.refresh()
    page.panel.add([event(i) for i in range(5)])
    page.panel.filter.setText("Describe")
    page.refresh()  # the same incident shown again: its events stay
    assert page.panel.model.rowCount() == 5
    page.leave()

    world.drive(first, State.CLOSED)
    second = world.drive(world.declare(), State.ACTIVE)
    ctl.procedure = second
    page.refresh()
    assert page.panel.model.rowCount() == 0
    assert page.panel.filter.text() == "" and page.panel.detail.toPlainText() == ""
    assert page.panel.count.text().startswith("0 of 0 events")
    page.leave()
    second.shutdown()
