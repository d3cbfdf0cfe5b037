"""RFC 6238 codes with the step that matched, which pyotp's `verify` does not tell us.

pyotp is imported on first use (`_totp`, `new_secret`): the desktop start imports this module
(the approver secrets' store) but needs no code before its first page is painted (docs/rules.md
§13)."""

from __future__ import annotations

import hmac
import re
from typing import TYPE_CHECKING

from breakglass_gui.core.secret import Secret

if TYPE_CHECKING:
    import pyotp

STEP_SECONDS = 30
CODE = re.compile(r"^\d{6}$", re.ASCII)


def step_at(epoch: float) -> int:
    return int(epoch // STEP_SECONDS)


def seconds_to_next_step(epoch: float) -> int:
    return STEP_SECONDS - int(epoch % STEP_SECONDS)


def _totp(secret: Secret) -> pyotp.TOTP:
    import pyotp

    return pyotp.TOTP(secret.reveal())


def matching_step(secret: Secret, code: str, now: float, window: int = 1) -> int | None:
    """The time step within ±`window` whose code equals `code`, or None. Constant-time compare."""
    totp = _totp(secret)
    current = step_at(now)
    found: int | None = None
    for step in range(current - window, current + window + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS).encode(), code.encode()):
            found = step if found is None else max(found, step)
    return found


def code_at(secret: Secret, epoch: float) -> str:
    """The code a device shows at `epoch` (used by drills and tests, never for approval)."""
    return str(_totp(secret).at(epoch))


def new_secret() -> Secret:
    import pyotp

    return Secret(pyotp.random_base32(32))


def provisioning_uri(secret: Secret, account_name: str, issuer: str) -> str:
    """The `otpauth://` URI an authenticator app scans; it holds the secret: show, never store."""
    return str(_totp(secret).provisioning_uri(name=account_name, issuer_name=issuer))
