"""The console URL on the clipboard (docs/rules.md §3, §12): concealment hints, cleared after the
timeout and on quit, and never someone else's copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

from breakglass_gui.core.secret import Secret
from breakglass_gui.ui import app as app_module
from breakglass_gui.ui.context import AppOptions
from breakglass_gui.ui.controller import Controller
from breakglass_gui.ui.widgets import clipboard as clipboard_module
from breakglass_gui.ui.widgets.clipboard import HINTS, SecretClipboard

URL = "https://signin.aws.amazon.com/federation?Action=login&SigninToken=" + "Zq3x" * 40


def test_the_copy_carries_every_concealment_hint(qtbot) -> None:
    clip = SecretClipboard()
    clip.copy(Secret(URL))
    data = QGuiApplication.clipboard().mimeData()
    assert data.text() == URL
    for mime, value in HINTS.items():
        if "windows" in mime:
            continue  # Qt maps these to Windows clipboard formats, absent elsewhere
        assert bytes(data.data(mime).data()) == value, mime
    clip.clear()


def test_the_clipboard_is_cleared_when_the_timeout_expires(
    qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clipboard_module, "CLEAR_AFTER_MS", 50)
    clip = SecretClipboard()
    clip.copy(Secret(URL))
    assert QGuiApplication.clipboard().text() == URL
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == "", timeout=2000)
    assert not clip.holds_ours


def test_someone_elses_copy_is_left_alone(qtbot) -> None:
    clip = SecretClipboard()
    clip.copy(Secret(URL))
    QGuiApplication.clipboard().setText("the operator copied a ticket number")
    clip.clear()
    assert QGuiApplication.clipboard().text() == "the operator copied a ticket number"
    QGuiApplication.clipboard().clear()


def test_quitting_the_app_clears_our_copy(qtbot, qapp, tmp_path: Path) -> None:
    ctl = Controller(AppOptions(data_dir=tmp_path))
    app_module.clear_on_quit(qapp, ctl)
    try:
        ctl.clipboard.copy(Secret(URL))
        qapp.aboutToQuit.emit()  # what QApplication.quit() emits on its way out
        assert QGuiApplication.clipboard().text() == ""
    finally:
        qapp.aboutToQuit.disconnect(ctl.clipboard.clear)
