"""Simulated MFA devices (the safe's hardware token, in a drill) and drill approvers' devices.

A device is a TOTP seed bound to an IAM virtual MFA serial. The drill panel shows the current
code; the drill's STS accepts each time step once, as AWS does.
"""

from __future__ import annotations

import threading
import time

import pyotp

from breakglass_gui.core import totp
from breakglass_gui.core.secret import Secret


class MfaDevices:
    def __init__(self) -> None:
        self._seeds: dict[str, Secret] = {}
        self._used: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    def add(self, serial: str, seed: Secret) -> None:
        self._seeds[serial] = seed

    def known(self, serial: str) -> bool:
        return serial in self._seeds

    def seed(self, serial: str) -> str:
        """The seed, for the app's drill panel in another process (a drill secret only)."""
        return self._seeds[serial].reveal()

    def code(self, serial: str, at: float | None = None) -> str:
        return totp.code_at(self._seeds[serial], time.time() if at is None else at)

    def forget_used(self) -> None:
        """Start a new scenario on the same world: no step counts as used any more (tests run
        independent incidents back to back, faster than a new TOTP step comes)."""
        with self._lock:
            self._used.clear()

    def accept(self, serial: str, code: str) -> bool:
        """The AWS check: a valid code (±1 step) whose step this device has not used yet."""
        step = totp.matching_step(self._seeds[serial], code, time.time())
        if step is None:
            return False
        with self._lock:
            if (serial, step) in self._used:
                return False
            self._used.add((serial, step))
            return True


def new_seed() -> Secret:
    return Secret(pyotp.random_base32(32))
