"""The desktop application as a real process (`breakglass_gui.cli.main`, the path `main.py`
takes), for tests/e2e/test_real_start.py: at the first paint of the first page (the emergency
page; on a slow start, the start-up page) it prints whether PySide6's `Qt` namespace and the
composition root (core/deps.py) existed then (they must not: ui/qt_namespace.py,
ui/controller.py), and a moment later what waited for the paint — the procedure's collaborators,
the Tab chain, the step list's mouse, the window icon, the menus' actions — then closes.

Nothing here reads `Qt` before that first line is printed.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from breakglass_gui import cli
from breakglass_gui.ui import app, qt_namespace
from breakglass_gui.ui.tab_order import reading_order


class _FirstPaint(QObject):
    def __init__(self, window: Any, slow: bool) -> None:
        super().__init__(window)
        self.window = window
        self.slow = slow

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print("namespace at the first paint:", qt_namespace.loaded(), flush=True)
            composed = "breakglass_gui.core.deps" in sys.modules or self.window.ctl.deps
            print("composition root at the first paint:", bool(composed), flush=True)
            QTimer.singleShot(200, self.report_slow if self.slow else self.report)
        return False

    def report_slow(self) -> None:
        """The start-up page of a slow start: the menus work while it lasts."""
        window = self.window
        print("namespace after it:", qt_namespace.loaded(), flush=True)
        print("still starting:", window.ctl.opening is None, flush=True)
        print("menus:", [len(menu.actions()) for menu in window.menus], flush=True)
        window.close()

    def report(self) -> None:
        window = self.window
        print("namespace after it:", qt_namespace.loaded(), flush=True)
        print("composed after it:", window.ctl.deps is not None, flush=True)
        mouse = QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents
        print("steps take no mouse:", window.steps.testAttribute(mouse), flush=True)
        stops, met = reading_order(window.current), []
        widget = stops[0]
        for _ in range(1000):  # Qt's focus chain is a ring: once round, the stops in its order
            if widget in stops and widget not in met:
                met.append(widget)
            widget = widget.nextInFocusChain()
        print("tab follows the page:", len(stops) > 3 and met == stops, flush=True)
        print("window icon:", not QApplication.windowIcon().isNull(), flush=True)
        print("menus:", [len(menu.actions()) for menu in window.menus], flush=True)
        window.close()  # as the close box does: the app's own shutdown, then the process ends


def main(config: str, how: str) -> int:
    """`quick`: the emergency page is the first painted. `slow`: the start takes a second (a
    large journal to verify), and the start-up page is the first painted."""
    build, first = app.build, "emergency" if how == "quick" else "startup"
    if how == "slow":
        from breakglass_gui.ui.controller import Controller

        start_real = Controller._start_real

        def slow_start(ctl: Controller, path: Any) -> Any:
            time.sleep(1.0)
            return start_real(ctl, path)

        Controller._start_real = slow_start  # type: ignore[method-assign]

    def watched_build(options: Any) -> Any:
        ctl, window = build(options)
        watcher = _FirstPaint(window, slow=how == "slow")

        def routed(name: str) -> None:  # connected after the window's own slot: page built
            if name == first:
                window.pages[name].installEventFilter(watcher)

        ctl.routed.connect(routed)
        return ctl, window

    app.build = watched_build
    return cli.main(["--config", config])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
