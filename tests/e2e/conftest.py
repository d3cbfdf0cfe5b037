"""GUI end-to-end fixtures: the real window over a real (embedded) drill, driven like an
operator would, and shut down the way the app shuts down (Vault token revoked, drill stopped)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from breakglass_gui.ui.app import build
from breakglass_gui.ui.context import AppOptions
from tests.support.gui_driver import GuiDriver, ScriptedPrompts


@pytest.fixture
def gui(qtbot, tmp_path: Path) -> Iterator[Callable[..., GuiDriver]]:
    made: list[GuiDriver] = []

    def make(
        *,
        data_dir: Path | None = None,
        before_start: Callable[[GuiDriver], None] | None = None,
        config_path: Path | None = None,
    ) -> GuiDriver:
        """A drill; with `config_path`, the real mode with that configuration file instead."""
        prompts = ScriptedPrompts(tmp_path / "reviews")
        options = AppOptions(
            drill=config_path is None,
            prompts=prompts,
            data_dir=data_dir or tmp_path / "data",
            config_path=config_path,
        )
        ctl, window = build(options)
        window.show()
        if before_start is not None:
            before_start(GuiDriver(ctl, window, qtbot.waitUntil))
        ctl.start()
        driver = GuiDriver(ctl, window, qtbot.waitUntil)
        made.append(driver)
        return driver

    yield make
    for driver in made:
        _shut_down(qtbot, driver)
    qtbot.wait(10)


def _shut_down(qtbot, driver: GuiDriver) -> None:
    """What quitting does, without the questions: secrets dropped, drill stopped, window gone."""
    window, ctl = driver.window, driver.ctl
    closed: list[bool] = []
    window.current.leave()
    ctl.shutdown(lambda: closed.append(True))
    qtbot.waitUntil(lambda: bool(closed), timeout=30_000)
    window._closing = True
    window.close()
    window.deleteLater()
