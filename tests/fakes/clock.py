"""Test clocks: FastClock follows real time but can be pushed forward (`sleep` pushes instead of
waiting); ManualClock moves only when told to."""

from __future__ import annotations

import threading
import time


class FastClock:
    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()
        self.slept = 0.0

    def now(self) -> float:
        return time.time() + self._offset

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._offset += max(0.0, seconds)
            self.slept += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def next_step(self) -> None:
        """Move to the start of the next 30-second TOTP step."""
        self.advance(30 - (self.now() % 30) + 0.5)


class ManualClock:
    """A clock that moves only when told to; `sleep` advances it instantly."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def sleep(self, seconds: float) -> None:
        self._now += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        self._now += seconds
