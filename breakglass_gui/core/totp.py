"""RFC 6238 codes with the step that matched, which pyotp's `verify` does not tell us.

pyotp is imported by each function: the desktop start imports this module (the approver
secrets' store) but needs no code before its first page is painted (docs/rules.md §13)."""

from __future__ import annotations

import hmac
import re

from breakglass_gui.core.secret import Secret

STEP_SECONDS = 30
CODE = re.compile(r"^\d{6}$", re.ASCII)


def step_at(epoch: float) -> int:
    return int(epoch // STEP_SECONDS)


def seconds_to_next_step(epoch: float) -> int:
    return STEP_SECONDS - int(epoch % STEP_SECONDS)


def matching_step(secret: Secret, code: str, now: float, window: int = 1) -> int | None:
    """The time step within ±`window` whose code equals `code`, or None. Constant-time compare."""
    import pyotp

    totp = pyotp.TOTP(secret.reveal())
    current = step_at(now)
    found: int | None = None
    for step in range(current - window, current + window + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS).encode(), code.encode()):
            found = step if found is None else max(found, step)
    return found


def code_at(secret: Secret, epoch: float) -> str:
    """The code a device shows at `epoch` (used by drills and tests, never for approval)."""
    import pyotp

    return str(pyotp.TOTP(secret.reveal()).at(epoch))


def new_secret() -> Secret:
    import pyotp

    return Secret(pyotp.random_base32(32))


def provisioning_uri(secret: Secret, account_name: str, issuer: str) -> str:
    """The `otpauth://` URI an authenticator app scans; it holds the secret: show, never store."""
    import pyotp

    return str(pyotp.TOTP(secret.reveal()).provisioning_uri(name=account_name, issuer_name=issuer))
