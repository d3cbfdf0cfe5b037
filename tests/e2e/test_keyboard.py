"""The keyboard through a real drill (issue 6): on every page of the procedure, pressing Tab
goes round the page's controls in the order the page reads (Shift+Tab the other way round),
without getting stuck in a text box, and each field's Alt+letter puts the cursor in that
field. Real key presses on the real window, not a reading of the focus chain (that is the
screen audit's job)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from breakglass_gui.drill.layout import MEMBERS
from breakglass_gui.ui.tab_order import reading_order
from tests.support.screen_audit import mnemonic, mnemonic_problems


def _tabbable(page: QWidget) -> list[QWidget]:
    return [w for w in reading_order(page) if w.isVisible() and w.isEnabled()]


def _tab_round(d: Any, page: QWidget, *, back: bool = False) -> list[QWidget]:
    """Focus the page's first control, press Tab (Shift+Tab with `back`) until the focus is
    back there, and return the controls of this page it went through, in order."""
    start = _tabbable(page)[0]
    start.setFocus(Qt.FocusReason.TabFocusReason)
    d.wait(lambda: QApplication.focusWidget() is start, 5_000)
    key = Qt.Key.Key_Backtab if back else Qt.Key.Key_Tab
    modifier = Qt.KeyboardModifier.ShiftModifier if back else Qt.KeyboardModifier.NoModifier
    visited: list[QWidget] = []
    for _ in range(200):
        focused = QApplication.focusWidget()
        if page.isAncestorOf(focused) and focused not in visited:
            visited.append(focused)
        QTest.keyClick(focused, key, modifier)
        if QApplication.focusWidget() is start:
            return visited
    raise AssertionError(f"Tab never came back to the first control of {page.objectName()}")


def _check_keyboard(d: Any, name: str) -> None:
    page = d.wait_page(name)
    # The notice bar and the menus are on every page: their letters must clash with none.
    d.ctl.notice.emit("warn", "A notice, so that its Dismiss button is on screen too.")
    assert mnemonic_problems(d.window) == [], name
    d.window.activateWindow()
    d.wait(lambda: QApplication.activeWindow() is d.window, 5_000)
    controls = _tabbable(page)
    assert _tab_round(d, page) == controls, name
    assert _tab_round(d, page, back=True) == controls[:1] + controls[:0:-1], name
    captions = [
        c
        for c in page.findChildren(QLabel)
        if c.buddy() is not None and c.isVisible() and c.buddy().isEnabled()
    ]
    assert captions, name
    for caption in captions:
        key = mnemonic(caption.text())
        assert key, f"{name}: {caption.text()!r} has no Alt+letter"
        d.window.setFocus()
        QTest.keyClick(d.window, key, Qt.KeyboardModifier.AltModifier)
        buddy = caption.buddy()
        target = buddy.focusProxy() or buddy
        assert QApplication.focusWidget() is target, f"{name}: Alt+{key} ({caption.text()!r})"


def test_tab_and_alt_letters_on_every_page_of_a_drill(gui) -> None:
    d = gui()
    _check_keyboard(d, "emergency")
    d.declare()
    _check_keyboard(d, "approvals")
    d.approve("primary")
    d.approve("secondary")
    d.unseal()  # the drill's OpenBao starts sealed
    _check_keyboard(d, "vault")
    d.unlock()
    _check_keyboard(d, "mfa")
    d.mfa()
    _check_keyboard(d, "accounts")
    d.choose_accounts(MEMBERS[:2])
    _check_keyboard(d, "session")
    d.end_session()
    d.wait_rotated()
    _check_keyboard(d, "review")


def test_the_first_run_screen_and_a_notice_share_no_letter(gui, tmp_path: Path) -> None:
    d = gui(config_path=tmp_path / "missing.toml")
    d.wait(lambda: d.current.name == "first_run")
    d.ctl.notice.emit("error", "Journal check failed: a notice on the very first screen.")
    assert d.window.notices.isVisible()
    assert mnemonic_problems(d.window) == []
