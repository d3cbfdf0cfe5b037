"""The desktop application as a real process (`breakglass_gui.cli.main`, the path `main.py`
takes), for the quit tests: once the first page is up and the app is ready, it quits the way
the operator asked on the command line — `ctrl-q` presses Ctrl+Q on the window, `close` closes
it as the title bar's close box does. The process must then end by itself (tests/e2e/test_quit.py).
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from breakglass_gui import cli
from breakglass_gui.ui.window import MainWindow


def _quit_when_ready(how: str) -> None:
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    window = windows[0] if windows else None
    if window is None or window.ctl.deps is None or not window.ctl.warmed:
        QTimer.singleShot(50, lambda: _quit_when_ready(how))
        return
    if how == "ctrl-q" and QApplication.activeWindow() is not window:
        window.activateWindow()  # a shortcut reaches the active window only
        QTimer.singleShot(50, lambda: _quit_when_ready(how))
        return
    print("READY", flush=True)
    if how == "ctrl-q":
        QTest.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    else:
        window.close()


def main(how: str, config: str) -> int:
    QTimer.singleShot(0, lambda: _quit_when_ready(how))  # runs once app.exec() starts
    return cli.main(["--config", config])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
