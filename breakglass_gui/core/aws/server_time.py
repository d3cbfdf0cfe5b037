"""AWS's clock, as its `Date` headers tell it, for a skew-safe revocation (docs/rules.md §4.1).

`AWSRevokeOlderSessions` denies every session whose `aws:TokenIssueTime` — stamped by *AWS's*
clock — is before the cut-off. A cut-off from a workstation clock 200 s behind AWS would leave
every session issued in the last 200 s alive, the app's own included. So the cut-off is

    max(local clock, AWS's clock estimated from the last `Date` header) + REVOCATION_MARGIN

where the estimate carries each `Date` forward on the monotonic clock (immune to the wall
clock being set meanwhile) and adds one second, because `Date` is truncated to the second
(RFC 9110 §5.6.7 IMF-fixdate). A workstation clock *ahead* of AWS only moves the cut-off later,
which is the safe direction: a session issued in that window was issued after revocation began
and is denied too, and a retry simply puts the policy again with a later cut-off.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

DATE_RESOLUTION_SECONDS = 1.0
REVOCATION_MARGIN_SECONDS = 10.0


class ServerTime:
    """The most advanced estimate of AWS's clock seen in any response."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._offset: float | None = None  # AWS epoch seconds minus our monotonic reading
        self._lock = threading.Lock()

    def observe(self, date_header: str) -> None:
        # Imported on the first answer, not with the module: email.utils is ~5 ms of the cold
        # start (docs/rules.md §13), and no answer arrives before the first page is painted.
        from email.utils import parsedate_to_datetime

        try:
            server = parsedate_to_datetime(date_header).timestamp()
        except (TypeError, ValueError, IndexError):
            return  # a malformed header says nothing about the time
        offset = server - self._monotonic()
        with self._lock:
            if self._offset is None or offset > self._offset:
                self._offset = offset

    def now(self) -> float | None:
        """AWS's time now, never under-estimated; None until a response has been seen."""
        with self._lock:
            offset = self._offset
        if offset is None:
            return None
        return self._monotonic() + offset + DATE_RESOLUTION_SECONDS

    def response_received(self, response_dict: dict[str, Any] | None = None, **_: Any) -> None:
        """botocore's `response-received` event: every answer, errors included."""
        if not response_dict:
            return
        headers = response_dict.get("headers") or {}
        date = headers.get("Date") or headers.get("date")
        if date:
            self.observe(str(date))


def revocation_cutoff(local_now: float, server: ServerTime) -> dict[str, float | None]:
    """The cut-off and what it was derived from (journaled with the revocation)."""
    aws_now = server.now()
    basis = max(local_now, aws_now) if aws_now is not None else local_now
    return {
        "cutoff": basis + REVOCATION_MARGIN_SECONDS,
        "local": local_now,
        "aws": aws_now,
        "margin": REVOCATION_MARGIN_SECONDS,
    }
