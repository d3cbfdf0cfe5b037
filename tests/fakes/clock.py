"""A clock that follows real time but can be pushed forward; `sleep` pushes instead of waiting."""

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
