"""Waiting for something another process delivers asynchronously (OpenBao's audit stream)."""

from __future__ import annotations

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
