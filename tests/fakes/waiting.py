"""Waiting for what another process does in its own time (OpenBao's audit stream, an exit)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Poll until `condition` holds; fail naming `what` if it never does. A time-out, not a
    speed claim: how fast it happens is bench/'s business."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} (waited {timeout:.0f} s)")
        time.sleep(0.02)


def process_gone(pid: int, within: float = 5.0) -> bool:
    """Whether process `pid` has gone (or goes) within `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False
