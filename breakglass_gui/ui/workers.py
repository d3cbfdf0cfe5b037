"""The one worker mechanism of the UI (STYLE: Picard's run_task, Vorta's split of a job).

`TaskRunner.run(fn, done)` runs `fn` on a thread pool and calls `done(Outcome)` on the GUI
thread with the value *or* the exception, so a failure is data, never an unhandled traceback in
a worker. Widgets never own threads; workers never touch widgets.

Nor does a worker ever release what a task holds. `fn`, `done` and the outcome (an exception's
traceback holds the task's frames, and through them whatever `fn` closed over) may hold the last
reference to a QObject of the GUI thread, and the thread that drops the last reference destroys
it: Qt forbids that from another thread (the same hazard as ui/collector.py's). So the runner's
table owns them from `run` to delivery; the worker only borrows `fn`, leaves the outcome in the
table and signals the task's key; the GUI thread pops the entry.
"""

from __future__ import annotations

import itertools
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


@dataclass
class _Work:
    """One task's entry in its runner's table: what it runs, who is told, and what came of it."""

    fn: Callable[[], Any]
    done: Callable[[Outcome], None]
    outcome: Outcome | None = None


class _Task(QRunnable):
    def __init__(self, key: int, table: dict[int, _Work], finished: Any) -> None:
        super().__init__()
        self._key = key
        self._table = table
        self._finished = finished

    def run(self) -> None:
        work = self._table[self._key]  # borrowed: the table keeps it until delivery
        try:
            work.outcome = Outcome(value=work.fn())
        except BaseException as exc:
            work.outcome = Outcome(error=exc)
        del work
        self._finished.emit(self._key)


class TaskRunner(QObject):
    """Lives on the GUI thread; its signal carries each task's key back there (queued), and the
    outcome waits in the table."""

    _finished = Signal(int)  # a task's key in the table

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._finished.connect(self._deliver)
        self._table: dict[int, _Work] = {}
        self._keys = itertools.count()

    @property
    def pending(self) -> int:
        """Tasks run and not yet delivered: their entries in the table."""
        return len(self._table)

    def run(self, fn: Callable[[], Any], done: Callable[[Outcome], None]) -> None:
        key = next(self._keys)
        self._table[key] = _Work(fn, done)
        self._pool.start(_Task(key, self._table, self._finished))

    def _deliver(self, key: int) -> None:
        work = self._table.pop(key)
        assert work.outcome is not None  # set before the key is signalled
        work.done(work.outcome)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every task finished (shutdown and tests only, never during use)."""
        return bool(self._pool.waitForDone(msecs))
