"""Quit means quit (issue 19): Ctrl+Q or the close box ends the process when no incident is
active; while access is open, the same question leads into ending the session instead, and an
unfinished incident is journaled before the app goes (docs/rules.md §3, §6)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from breakglass_gui.core.clock import SystemClock
from breakglass_gui.core.incident import State
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.resources import resource_path
from breakglass_gui.drill.layout import MEMBERS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("how", ["ctrl-q", "close"])
def test_quitting_ends_the_process(tmp_path: Path, how: str) -> None:
    env = os.environ | {
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.e2e.quit_child",
            how,
            str(resource_path("example-config.toml")),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = child.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate()
        pytest.fail(f"the app did not end after {how}: {out}\n{err[-2000:]}")
    assert "READY" in out, err[-2000:]
    assert child.returncode == 0, err[-2000:]


def _quit_keys(d: Any) -> None:
    d.window.activateWindow()  # a shortcut reaches the active window only
    d.wait(lambda: QApplication.activeWindow() is d.window, 5_000)
    QTest.keyClick(d.window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)


def test_quitting_with_access_open_leads_into_ending(gui: Any) -> None:
    d = gui()
    d.to_session(MEMBERS[:1])
    prompts = d.ctl.options.prompts
    prompts.answer = False  # "End it now?" No: the session stays, the window stays
    _quit_keys(d)
    assert prompts.asked[-1] == "Access is open"
    d.idle()
    assert d.window.isVisible() and d.ctl.procedure.state is State.ACTIVE
    prompts.answer = True  # Yes: revoke and rotate, and the window stays to show it
    _quit_keys(d)
    d.wait_rotated()
    assert d.window.isVisible()
    assert d.ctl.procedure.state is State.ROTATED


def test_quitting_an_unfinished_incident_asks_and_journals_it(gui: Any) -> None:
    d = gui()
    d.declare()
    prompts = d.ctl.options.prompts
    prompts.answer = False
    _quit_keys(d)
    assert prompts.asked[-1] == "Unfinished incident"
    assert d.window.isVisible()
    closed: list[bool] = []
    d.window.closed.connect(lambda: closed.append(True))
    prompts.answer = True
    _quit_keys(d)
    d.wait(lambda: bool(closed))
    assert not d.window.isVisible()
    journal = Journal(d.ctl.options.journal_path(True), SystemClock())  # the app closed its own
    quits = [e for e in journal.entries() if e.kind == "app.quit_unfinished"]
    journal.close()
    assert [(e.incident, e.payload["state"]) for e in quits] == [(d.ctl.procedure.id, "DECLARED")]
