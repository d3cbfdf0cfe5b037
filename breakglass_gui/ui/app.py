"""Start the desktop application: one QApplication, the controller, the main window, the
crash hook. Heavy modules (boto3, hvac, moto, jinja2) are imported later, on workers, so the
first page paints quickly (SPEC §13)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from breakglass_gui.core.resources import resource_path
from breakglass_gui.ui import theme
from breakglass_gui.ui.context import AppOptions
from breakglass_gui.ui.controller import Controller
from breakglass_gui.ui.dialogs.crash import show_crash
from breakglass_gui.ui.errors import install_crash_hook
from breakglass_gui.ui.window import MainWindow

DESKTOP_NAME = "breakglass"  # packaging/breakglass.desktop: the entry the window belongs to


def application() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    # Workers run Python (botocore, and in a drill the in-process moto server) and compete with
    # the GUI thread for the GIL; a shorter switch interval bounds how long one of them can
    # keep the GUI thread waiting (SPEC §13: never blocked > 50 ms).
    sys.setswitchinterval(0.001)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Break Glass")
    app.setOrganizationName("breakglass")
    app.setDesktopFileName(DESKTOP_NAME)
    app.setWindowIcon(QIcon(str(resource_path("icons", "breakglass.svg"))))
    return app


def build(options: AppOptions) -> tuple[Controller, MainWindow]:
    """The controller and its window, not yet started (tests and the GUI driver use this)."""
    theme.follow_palette()  # light ↔ dark while the app runs
    ctl = Controller(options)
    window = MainWindow(ctl)
    ctl.reporter.crash.connect(lambda message: show_crash(window, message))
    return ctl, window


def clear_on_quit(app: QApplication, ctl: Controller) -> None:
    """A console URL we copied does not outlive the app (SPEC §12)."""
    app.aboutToQuit.connect(ctl.clipboard.clear)


def run(options: AppOptions) -> int:
    app = application()
    ctl, window = build(options)
    restore = install_crash_hook(ctl.reporter)
    clear_on_quit(app, ctl)
    window.show()
    QTimer.singleShot(0, ctl.start)
    try:
        return int(app.exec())
    finally:
        restore()
