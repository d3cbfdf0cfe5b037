"""The one worker mechanism: results and exceptions come back to the GUI thread as values."""

from __future__ import annotations

import threading
import weakref
from typing import Any

import pytest

from breakglass_gui.ui.workers import Outcome, TaskRunner
from tests.support.fresh_python import run_python


def test_a_result_comes_back_on_the_gui_thread(qtbot: Any) -> None:
    runner = TaskRunner()
    gui = threading.get_ident()
    seen: list[tuple[Outcome, int, int]] = []
    worker: list[int] = []

    def work() -> int:
        worker.append(threading.get_ident())
        return 42

    runner.run(work, lambda outcome: seen.append((outcome, threading.get_ident(), 0)))
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    outcome, thread, _ = seen[0]
    assert outcome.ok and outcome.value == 42
    assert thread == gui and worker[0] != gui
    assert runner.pending == 0
    assert runner.wait(5000)


def test_an_exception_comes_back_as_a_value(qtbot: Any) -> None:
    runner = TaskRunner()
    seen: list[Outcome] = []

    def fail() -> None:
        raise ValueError("Vault cannot be reached")

    runner.run(fail, seen.append)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert not seen[0].ok
    assert isinstance(seen[0].error, ValueError)
    assert runner.wait(5000)


@pytest.mark.parametrize("count", [1, 12])
def test_many_tasks_each_deliver_once(qtbot: Any, count: int) -> None:
    runner = TaskRunner(max_threads=3)
    seen: list[int] = []
    for i in range(count):
        runner.run(lambda i=i: i, lambda outcome: seen.append(outcome.value))
    qtbot.waitUntil(lambda: len(seen) == count, timeout=5000)
    assert sorted(seen) == list(range(count))
    assert runner.wait(5000)


def test_the_app_gives_the_gil_back_to_the_gui_thread_within_a_tenth_of_a_millisecond() -> None:
    """ui/app.py, application(): with a worker busy in Python, the GUI thread waits up to one
    switch interval each time it takes the GIL back (after most Qt calls); Python's default
    5 ms stretched a 33 ms window build to a second. Checked in a fresh process: this one's
    QApplication was made by pytest-qt."""
    code = (
        "import sys; from breakglass_gui.ui.app import application; "
        "before = sys.getswitchinterval(); application(); "
        "print(before, sys.getswitchinterval())"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    before, after = (float(x) for x in done.stdout.split())
    assert before == 0.005 and after <= 0.0001


@pytest.mark.parametrize("fails", [False, True])
def test_what_a_task_holds_is_released_on_the_gui_thread(qtbot: Any, fails: bool) -> None:
    """A task's callables and its outcome (an exception's traceback holds the task's frames)
    may hold the last reference to a QObject of the GUI thread: a worker must never be the one
    that releases it, since Qt forbids deleting a QObject from another thread (ui/collector.py
    keeps the cyclic collector off the workers; this is the same rule for plain references)."""
    from PySide6.QtCore import QObject

    runner = TaskRunner(max_threads=1)
    destroyed_in: list[str] = []
    seen: list[bool] = []  # not the outcomes: a kept exception would keep its frames
    for _ in range(20):  # the release races delivery: give the worker many chances to win it
        helper = QObject()
        weakref.finalize(helper, lambda: destroyed_in.append(threading.current_thread().name))

        def work(held: QObject = helper) -> str:
            if fails:
                raise ValueError(held.objectName())
            return "done"

        def done(outcome: Outcome, held: QObject = helper) -> None:
            seen.append(outcome.ok)

        runner.run(work, done)
        del helper, work, done
    qtbot.waitUntil(lambda: len(seen) == 20 and len(destroyed_in) == 20, timeout=10_000)
    assert set(destroyed_in) == {"MainThread"} and set(seen) == {not fails}
    assert runner.wait(5000)
