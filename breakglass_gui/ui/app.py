"""Start-up, in one place: what is imported when.

Before the first page is painted: Qt, the controller, the window and the first pages (this
module's imports). After it (`warm_up`, on a worker, a beat after the paint): hvac, the core
procedure, the review templates, the trust anchors and the AWS service models the procedure will
use; the other pages are imported and built on the GUI thread, one per event-loop turn (Qt types
are never created on a worker). Heavy modules (boto3, hvac, moto, jinja2) are never on
the start path, so the first page paints quickly (docs/architecture.md, "The UI").
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from breakglass_gui.core.resources import resource_path
from breakglass_gui.ui import qt_namespace, theme
from breakglass_gui.ui.context import AppOptions
from breakglass_gui.ui.controller import Controller
from breakglass_gui.ui.errors import install_crash_hook
from breakglass_gui.ui.window import MainWindow

if TYPE_CHECKING:
    from breakglass_gui.core.deps import Deps

DESKTOP_NAME = "breakglass"  # packaging/breakglass.desktop: the entry the window belongs to
SWITCH_INTERVAL_S = 0.0001  # see application()
WARM_SERVICES = ("sts", "iam", "sns", "logs", "cloudtrail", "cloudwatch", "lambda")


def application() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    # Workers run Python (botocore, hvac) and compete with the GUI thread for the GIL, and the
    # GUI thread takes the GIL again after most Qt calls (every virtual call on a widget class
    # written in Python goes through it): with a busy worker, each of those waits up to one
    # switch interval, so a GUI turn is stretched by the interval times the number of calls
    # (the "convoy effect"). Building the main window beside a worker spinning in Python took
    # 1,040 ms at Python's default 5 ms, 160 ms at 1 ms, 50-90 ms at 0.05-0.1 ms (33 ms alone);
    # a busy worker pays a few per cent in forced switches (docs/rules.md §13: never blocked >
    # 50 ms). tests/ui/test_workers.py keeps it set.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Break Glass")
    app.setOrganizationName("breakglass")
    app.setDesktopFileName(DESKTOP_NAME)
    # The icon is an SVG: making it loads Qt's SVG icon engine, a plugin and its library (~6 ms,
    # docs/benchmarks.md), which the first page's paint does not need. It is set with what
    # waits for that paint (ui/qt_namespace.py).
    qt_namespace.after_first_paint(_set_icon)
    return app


def _set_icon() -> None:
    from PySide6.QtGui import QIcon

    QApplication.setWindowIcon(QIcon(str(resource_path("icons", "breakglass.svg"))))


def build(options: AppOptions) -> tuple[Controller, MainWindow]:
    """The controller and its window, not yet started (tests and the GUI driver use this)."""
    theme.follow_palette()  # light ↔ dark while the app runs
    ctl = Controller(options, warm_up=warm_up)
    window = MainWindow(ctl)
    ctl.reporter.crash.connect(lambda message: _show_crash(window, message))
    return ctl, window


def _show_crash(window: MainWindow, message: str) -> None:
    # Imported when needed: the dialog's QMessageBox is not needed to paint the first page.
    from breakglass_gui.ui.dialogs.crash import show_crash

    show_crash(window, message)


def warm_up(deps: Deps) -> None:
    """While the operator reads the first page: import and load what the procedure will need
    (Vault client, AWS service models, review templates, the federation endpoint's HTTPS
    client), off the GUI thread. Nothing Qt: see below."""
    import contextlib
    import urllib.request  # noqa: F401

    import hvac  # noqa: F401

    import breakglass_gui.core.procedure
    import breakglass_gui.core.review.render  # noqa: F401
    from breakglass_gui.core.errors import ConfigError

    # The page modules are not imported here: each defines Qt subclasses, and creating a Qt
    # type on a worker while the GUI thread runs Qt once crashed the process (a segmentation
    # fault in Shiboken's type creation, in a clean-clone CI run). The window imports and
    # builds them on the GUI thread, a step per event-loop turn (ui/window.py).
    deps.network.ssl_context()  # the trust anchors, parsed once before the first call
    deps.approvals  # noqa: B018 - the approval methods, built on first use (core/deps.py)
    deps.aws.warm_up(WARM_SERVICES, deps.config.organisation.region)
    with contextlib.suppress(ConfigError):  # a missing snapshot is said on the emergency page
        deps.directory.accounts()  # the Organizations snapshot read (1,000 accounts) off the GUI


def clear_on_quit(app: QApplication, ctl: Controller) -> None:
    """A console URL we copied does not outlive the app (docs/rules.md §12)."""
    app.aboutToQuit.connect(ctl.clipboard.clear)


def run(options: AppOptions) -> int:
    app = application()
    ctl, window = build(options)
    restore = install_crash_hook(ctl.reporter)
    clear_on_quit(app, ctl)
    window.closed.connect(app.quit)  # Quit or the close box: the process ends (ui/window.py)
    window.show()
    QTimer.singleShot(0, ctl.start)
    try:
        return int(app.exec())
    finally:
        restore()
