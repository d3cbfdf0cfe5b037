"""UI tests: Qt warnings fail the test (pyproject: qt_log_level_fail); no thread is left behind."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _no_dangling_threads() -> Iterator[None]:
    before = {t.ident for t in threading.enumerate()}
    yield
    from PySide6.QtCore import QThreadPool

    assert QThreadPool.globalInstance().waitForDone(5000)
    left = [t.name for t in threading.enumerate() if t.ident not in before and t.is_alive()]
    assert left == [], f"threads left running: {left}"
