"""Starting for real, with the shipped example configuration: the first page comes up before the
OS keyring is even looked for (docs/rules.md §13), and a missing keyring is said at once, in the
notice bar and the journal, rather than first at the approvers' sign-off (docs/rules.md §2.2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from breakglass_gui.core.resources import resource_path
from breakglass_gui.ui import controller
from breakglass_gui.ui.controller import STARTUP_PAGE_AFTER_MS, Controller
from tests.fakes.keyring_memory import SecretServiceLike

EXAMPLE = resource_path("example-config.toml")
ROOT = Path(__file__).resolve().parents[2]


def _start(gui: Any, monkeypatch: pytest.MonkeyPatch, backend: KeyringBackend) -> Any:
    looked_up: list[KeyringBackend] = []

    def get_keyring() -> KeyringBackend:
        looked_up.append(backend)
        return backend

    monkeypatch.setattr(keyring, "get_keyring", get_keyring)
    d = gui(config_path=EXAMPLE)
    d.wait(lambda: d.current.name == "emergency")
    assert looked_up == []  # the first page did not wait for the keyring
    d.wait(lambda: d.ctl.warmed and d.ctl.background.pending == 0)  # keyring check delivered
    assert looked_up == [backend]
    return d


def test_no_os_keyring_is_said_at_start_in_the_notice_bar_and_the_journal(
    gui: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = _start(gui, monkeypatch, fail.Keyring())
    notices = d.window.notices
    d.wait(notices.isVisible)
    assert notices.level == "error"
    assert "Approver codes cannot be stored: no OS keyring is available" in notices.text.text()
    assert "sign-offs and enrolment cannot work" in notices.text.text()
    errors = [e.payload for e in d.ctl.deps.journal.entries() if e.kind == "ui.error"]
    assert [(e["context"], e["code"]) for e in errors] == [("keyring", "keyring")]
    assert d.current.name == "emergency"  # the operator can still read and prepare


def test_an_os_keyring_starts_without_a_notice(gui: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    d = _start(gui, monkeypatch, SecretServiceLike())
    assert not d.window.notices.isVisible()
    assert [e for e in d.ctl.deps.journal.entries() if e.kind == "ui.error"] == []


def test_refreshing_the_first_page_follows_the_emergency_type_once(
    gui: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refilling the type box used to follow the type per item (clear, first item, then once
    more): each follow re-ticks every account, a third of the first page's cost (§13)."""
    d = _start(gui, monkeypatch, SecretServiceLike())
    page = d.window.pages["emergency"]
    followed: list[object] = []
    original = type(page.accounts).set_accounts

    def counted(picker: Any, *args: Any, **kwargs: Any) -> None:
        followed.append(args)
        original(picker, *args, **kwargs)

    monkeypatch.setattr(type(page.accounts), "set_accounts", counted)
    page.refresh()
    assert len(followed) == 1
    followed.clear()
    fresh = type(page)(d.ctl)  # a new page: its accounts are filled when entered, not built
    assert followed == []
    fresh.deleteLater()


def _first_paint(tmp_path: Path, how: str) -> list[str]:
    """tests/e2e/first_paint_child.py, a real process: in this test process, pytest-qt has made
    the `Qt` namespace long before."""
    env = os.environ | {
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.e2e.first_paint_child", str(EXAMPLE), how],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.splitlines()


def test_the_first_page_paints_before_qt_s_namespace_is_made_and_tab_follows_it(
    tmp_path: Path,
) -> None:
    """docs/rules.md §13: the first use of PySide6's `Qt` makes its 93 enums at once (~20 ms);
    the emergency page paints without it (ui/qt_namespace.py) and without the procedure's
    collaborators (core/deps.py and its modules), and what waited for the paint is done right
    after: the collaborators composed, Tab follows the page, the step list takes no click
    (issue 19), the window has its icon (an SVG engine, ~6 ms) and its menus their actions."""
    assert _first_paint(tmp_path, "quick") == [
        "namespace at the first paint: False",
        "composition root at the first paint: False",
        "namespace after it: True",
        "composed after it: True",
        "steps take no mouse: True",
        "tab follows the page: True",
        "window icon: True",
        "menus: [2, 2, 2]",
    ]


def test_a_slow_start_s_menus_work_while_its_start_up_page_shows(tmp_path: Path) -> None:
    """What waits for the first paint waits for the start-up page's when that comes first (a
    large journal to verify, a drill's world starting): Ctrl+Q and Help work meanwhile."""
    assert _first_paint(tmp_path, "slow") == [
        "namespace at the first paint: False",
        "composition root at the first paint: False",
        "namespace after it: True",
        "still starting: True",
        "menus: [2, 2, 2]",
    ]


def test_a_quick_start_goes_straight_to_the_first_page(
    gui: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No start-up page is built to be shown for a few milliseconds (docs/rules.md §13). The
    threshold is made long here, so a busy test machine cannot decide; what its timer does
    when it fires after the start is asked of it directly."""
    monkeypatch.setattr(keyring, "get_keyring", SecretServiceLike)
    monkeypatch.setattr(controller, "STARTUP_PAGE_AFTER_MS", 60_000)
    shown: list[str] = []
    d = gui(config_path=EXAMPLE, before_start=lambda d: d.ctl.routed.connect(shown.append))
    d.wait(lambda: d.current.name == "emergency")
    assert "startup" not in d.window.pages
    d.ctl._still_starting()
    assert shown == ["emergency"]


def test_a_slow_start_shows_the_start_up_page_until_the_first_page(
    gui: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A journal that takes long to verify: the operator sees what the app is doing."""
    shown: list[str] = []
    slow = Controller._start_real

    def start_real(ctl: Controller, path: Path) -> dict[str, Any]:
        import time

        time.sleep(3 * STARTUP_PAGE_AFTER_MS / 1000)
        return slow(ctl, path)

    monkeypatch.setattr(Controller, "_start_real", start_real)
    d = gui(config_path=EXAMPLE, before_start=lambda d: d.ctl.routed.connect(shown.append))
    d.wait(lambda: d.current.name == "emergency")
    assert shown[:2] == ["startup", "emergency"]


def test_a_declaration_clicked_before_the_collaborators_are_composed_waits_for_them_once(
    gui: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first page is painted before `Deps` is composed (docs/rules.md §13): Declare clicked
    in that moment is carried out once it is, and clicked twice, once."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from breakglass_gui.ui.pages.emergency import EmergencyPage

    monkeypatch.setattr(keyring, "get_keyring", SecretServiceLike)
    compose = Controller._compose

    def slow_compose(ctl: Controller) -> Any:
        import time

        time.sleep(0.5)
        return compose(ctl)

    declared: list[bool] = []
    monkeypatch.setattr(Controller, "_compose", slow_compose)
    monkeypatch.setattr(
        EmergencyPage, "_declare", lambda page: declared.append(page.ctl.deps is not None)
    )
    d = gui(config_path=EXAMPLE)
    page: Any = d.wait_page("emergency")
    assert d.ctl.deps is None
    QTest.mouseClick(page.declare, Qt.MouseButton.LeftButton)
    QTest.mouseClick(page.declare, Qt.MouseButton.LeftButton)
    assert declared == []
    d.wait(lambda: d.ctl.deps is not None)
    assert declared == [True]
    QTest.mouseClick(page.declare, Qt.MouseButton.LeftButton)  # ready: at once
    assert declared == [True, True]
