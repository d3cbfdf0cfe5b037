"""Python's cyclic garbage collector runs on the GUI thread, and only there.

CPython collects reference cycles in whichever thread happens to allocate past a threshold, and
here that is usually a worker: the warm-up parsing botocore's models, a step building a client.
A cycle that holds a QObject made on the GUI thread (a page's helper, a controller of an earlier
window) is then destroyed on the worker, which Qt forbids: "calling delete on a QObject from a
thread other than the one that owns the object is unsafe" (Qt's QObject documentation). A
segmentation fault seen here fits it: in Shiboken's `BindingManager::releaseWrapper`, on the GUI
thread deleting a QObject posted for deferred deletion, while a worker built a botocore session
(the screen audit, a few runs in a hundred under load; the traces are in issue 21's notes). The
known remedy (Kovid Goyal on the PyQt list, 2011; pyqtgraph's GarbageCollector; qtpygc):
automatic collection off, and the GUI thread collects, on a timer, the generations whose counts
passed their thresholds: the interpreter's own rule (generation counts against
`gc.get_threshold()`), moved to one thread. The thresholds stay the app's
(cli.START_GC_THRESHOLD, then Controller._settle's).

The collector is on while a controller runs (`Controller.start` to the end of its shutdown);
several controllers (the screen audit opens four windows in one process) share the switch.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_MS = 100  # ten cheap count checks a second; a collection only when a count is over


class _Switch:
    """Automatic collection, off while any collector runs; as it was before, after the last."""

    def __init__(self) -> None:
        self.users: list[GuiThreadCollector] = []
        self.was_enabled = True

    def take(self, user: GuiThreadCollector) -> None:
        if not self.users:
            self.was_enabled = gc.isenabled()
            gc.disable()
        self.users.append(user)

    def give_back(self, user: GuiThreadCollector) -> None:
        self.users.remove(user)
        if not self.users and self.was_enabled:
            gc.enable()


_SWITCH = _Switch()


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setObjectName("gui-thread-collector")
        self._timer.timeout.connect(self.check)

    @property
    def running(self) -> bool:
        return self in _SWITCH.users

    def start(self) -> None:
        """Called on the GUI thread, before any worker of the controller starts."""
        if not self.running:
            _SWITCH.take(self)
            self._timer.start(CHECK_MS)

    def stop(self) -> None:
        if self.running:
            self._timer.stop()
            _SWITCH.give_back(self)

    @staticmethod
    def check() -> int | None:
        """Collect the oldest generation whose count is over its threshold, as the interpreter
        does when it allocates (CPython 3.11's gc_collect_generations; a first threshold of 0
        turns collection off). Not copied: its extra condition for a full collection (the
        objects awaiting one over a quarter of the old ones), which Python code cannot read.
        Returns the generation collected, or None."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if not thresholds[0]:
            return None
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return generation
        return None
