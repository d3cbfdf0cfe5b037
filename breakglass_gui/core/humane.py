"""Times and durations for people (issue 19): "7 min 17 s", "18:48:35 UTC", never "437.139 s".

Every duration and time the operator or an auditor reads goes through here — the pages, the
review in every format — so one rule decides how precise a figure is: a tenth of a second
below ten seconds (a step that took 0.4 s is worth telling apart from one that took 4 s),
whole seconds below a minute, minutes and seconds below an hour, hours and minutes above.
The JSON review keeps the exact figures for machines."""

from __future__ import annotations

from datetime import UTC, datetime


def duration(seconds: float | None) -> str:
    """`None` (not measured) is "—"; negative figures (a clock stepped back) keep their sign."""
    if seconds is None:
        return "—"
    if seconds < 0:
        return "−" + duration(-seconds)
    if seconds < 9.95:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min {secs} s" if secs else f"{minutes} min"


def elapsed(seconds: float) -> str:
    """A counter that moves every second ("42 s", "7 min 17 s"): whole seconds, never a
    fraction, however close to zero."""
    return f"{max(0, int(seconds))} s" if seconds < 60 else duration(seconds)


def remaining(seconds: float) -> str:
    """A countdown ("29:41", "1 h 02:03"): changes every second; "00:00" once it has run out.
    The session rows and the approvals page count down with it."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    return (f"{hours} h " if hours else "") + f"{rest // 60:02d}:{rest % 60:02d}"


def parse(stamp: str) -> datetime | None:
    """An ISO 8601 time from the journal or AWS (`…Z` or an offset), or None if it is not one."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def clock(stamp: str) -> str:
    """The time of day in UTC ("18:48:35"): for tables within one incident. Text that is not a
    time is returned as it is (it came from somewhere else and is shown, not hidden)."""
    moment = parse(stamp)
    return moment.astimezone(UTC).strftime("%H:%M:%S") if moment else stamp


def when(stamp: str) -> str:
    """Date and time in UTC ("2026-12-01 18:48:35 UTC"): where the day matters."""
    moment = parse(stamp)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else stamp


def since(stamp: str, start: str) -> str:
    """How long after `start` ("+7 min 17 s"), or "" when either is not a time."""
    a, b = parse(start), parse(stamp)
    if a is None or b is None:
        return ""
    return "+" + duration((b - a).total_seconds())
