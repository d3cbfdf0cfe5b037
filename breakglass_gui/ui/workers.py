"""The one worker mechanism of the UI (STYLE: Picard's run_task, Vorta's split of a job).

`TaskRunner.run(fn, done)` runs `fn` on a thread pool and calls `done(Outcome)` on the GUI
thread with the value *or* the exception, so a failure is data, never an unhandled traceback in
a worker. Widgets never own threads; workers never touch widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


@dataclass(frozen=True)
class Outcome:
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class _Task(QRunnable):
    def __init__(
        self, fn: Callable[[], Any], done: Callable[[Outcome], None], finished: Any
    ) -> None:
        super().__init__()
        self._fn = fn
        self._done = done
        self._finished = finished

    def run(self) -> None:
        try:
            outcome = Outcome(value=self._fn())
        except BaseException as exc:
            outcome = Outcome(error=exc)
        self._finished.emit(self._done, outcome)


class TaskRunner(QObject):
    """Lives on the GUI thread; its signal carries each outcome back there (queued)."""

    _finished = Signal(object, object)

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._finished.connect(self._deliver)
        self.pending = 0

    def run(self, fn: Callable[[], Any], done: Callable[[Outcome], None]) -> None:
        self.pending += 1
        self._pool.start(_Task(fn, done, self._finished))

    def _deliver(self, done: Callable[[Outcome], None], outcome: Outcome) -> None:
        self.pending -= 1
        done(outcome)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every task finished (shutdown and tests only, never during use)."""
        return bool(self._pool.waitForDone(msecs))
