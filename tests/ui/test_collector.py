"""Cycles are collected on the GUI thread only while the app runs (ui/collector.py): a worker
that allocates past the collector's thresholds never destroys a QObject of the GUI thread."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject

from breakglass_gui.ui.collector import GuiThreadCollector
from breakglass_gui.ui.context import AppOptions
from breakglass_gui.ui.controller import Controller


@pytest.fixture
def collections() -> Iterator[list[str]]:
    """The thread of every collection that starts while the test runs."""
    seen: list[str] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(threading.current_thread().name)

    gc.callbacks.append(record)
    yield seen
    gc.callbacks.remove(record)


def _allocate_cycles(count: int) -> None:
    """What a worker parsing JSON or building clients does to the collector's counts."""
    for _ in range(count):
        cycle: list[Any] = []
        cycle.append(cycle)


class _Helper(QObject):
    """A QObject of the GUI thread caught in a reference cycle (a bound method kept on it)."""

    def __init__(self) -> None:
        super().__init__()
        self.keep = self.objectName


def _cycle_of_the_gui_thread(destroyed_in: list[str]) -> weakref.ref[_Helper]:
    helper = _Helper()
    weakref.finalize(helper, lambda: destroyed_in.append(threading.current_thread().name))
    return weakref.ref(helper)


def test_a_qobject_in_a_cycle_is_destroyed_on_the_gui_thread_while_a_worker_allocates(
    qtbot: Any, tmp_path: Path, collections: list[str]
) -> None:
    ctl = Controller(AppOptions(config_path=tmp_path / "missing.toml", data_dir=tmp_path))
    ctl.start()  # the first-run screen; the collector is on from here
    assert not gc.isenabled()
    destroyed_in: list[str] = []
    helper = _cycle_of_the_gui_thread(destroyed_in)
    assert helper() is not None  # only the collector can free it now
    worker = threading.Thread(target=_allocate_cycles, args=(200_000,), name="worker")
    worker.start()
    qtbot.waitUntil(lambda: not worker.is_alive(), timeout=30_000)
    qtbot.waitUntil(lambda: helper() is None, timeout=5_000)
    assert destroyed_in == ["MainThread"]
    assert collections and set(collections) == {"MainThread"}
    done: list[bool] = []
    ctl.shutdown(lambda: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    assert gc.isenabled()  # the interpreter's own collection again after shutdown


def test_without_the_collector_the_worker_collects(collections: list[str]) -> None:
    """The hazard itself: the interpreter collects in whichever thread allocates."""
    assert gc.isenabled()
    worker = threading.Thread(target=_allocate_cycles, args=(200_000,), name="worker")
    worker.start()
    worker.join()
    assert "worker" in collections


def test_the_check_collects_the_oldest_generation_over_its_threshold(qtbot: Any) -> None:
    collector = GuiThreadCollector()
    saved = gc.get_threshold()
    collector.start()
    try:
        gc.collect()
        gc.set_threshold(1_000, 1_000, 1_000)
        assert collector.check() is None  # nothing over yet
        _allocate_cycles(2_000)
        assert collector.check() == 0
        gc.set_threshold(1_000, 0, 1_000)  # one young collection since: generation 1 is over
        assert collector.check() == 1
        gc.set_threshold(0, 1_000, 1_000)  # a first threshold of 0: collection off
        _allocate_cycles(2_000)
        assert collector.check() is None
    finally:
        gc.set_threshold(*saved)
        collector.stop()
    assert gc.isenabled()


def test_several_controllers_share_the_switch(qtbot: Any) -> None:
    first, second = GuiThreadCollector(), GuiThreadCollector()
    first.start()
    second.start()
    first.stop()
    assert not gc.isenabled()  # the second still runs
    second.stop()
    assert gc.isenabled()
