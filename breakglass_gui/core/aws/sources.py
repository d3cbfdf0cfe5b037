"""Where the live activity comes from (docs/rules.md §3): Live Tail, FilterLogEvents, LookupEvents.

Every source filters client-side with `ActivityEvent.belongs_to`, whatever the server did
with its filter pattern (moto ignores JSON patterns; a mistyped pattern in real AWS would too).
LookupEvents is rate-limited per account and region by one shared token bucket (≤ 1.5 req/s,
under CloudTrail's 2 TPS), follows every NextToken (no page lost), and re-queries with an
overlap because CloudTrail delivers events up to ~5 minutes late.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from breakglass_gui.core.aws.activity import ActivityEvent, ParseError, parse_record
from breakglass_gui.core.aws.errors import classify
from breakglass_gui.core.clock import Clock
from breakglass_gui.core.errors import AwsError

log = logging.getLogger(__name__)

LOOKUP_RATE_PER_SECOND = 1.5
OVERLAP_SECONDS = 600


class TokenBucket:
    """A classic token bucket; `acquire` waits (on the injected clock) for one token."""

    def __init__(self, rate: float, burst: float, clock: Clock) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._stamp = clock.now()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            now = self._clock.now()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens < 1:
                wait = (1 - self._tokens) / self.rate
                self._clock.sleep(wait)
                self._stamp = self._clock.now()
                self._tokens = 0.0
            else:
                self._tokens -= 1


@dataclass
class Buckets:
    """One bucket per account-region, shared by everything that calls LookupEvents there."""

    clock: Clock
    rate: float = LOOKUP_RATE_PER_SECOND
    _buckets: dict[tuple[str, str], TokenBucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def for_(self, account: str, region: str) -> TokenBucket:
        with self._lock:
            key = (account, region)
            if key not in self._buckets:
                self._buckets[key] = TokenBucket(self.rate, 1.0, self.clock)
            return self._buckets[key]


@dataclass(frozen=True)
class Scope:
    """What identifies this incident's events."""

    incident_id: str
    operator: str
    role_name: str
    since: float

    def keep(self, event: ActivityEvent) -> bool:
        return event.belongs_to(self.incident_id, self.operator, self.role_name, self.since)


def _parse_all(records: Iterator[tuple[str, str]], scope: Scope) -> tuple[list[ActivityEvent], int]:
    kept: list[ActivityEvent] = []
    rejected = 0
    for raw, account in records:
        try:
            event = parse_record(raw, account_hint=account)
        except ParseError:
            rejected += 1
            continue
        if scope.keep(event):
            kept.append(event)
    return kept, rejected


class LookupEventsSource:
    """CloudTrail LookupEvents for one account-region, with that account's role session."""

    name = "CloudTrail LookupEvents"

    def __init__(
        self, client: Any, account: str, region: str, scope: Scope, buckets: Buckets, clock: Clock
    ) -> None:
        self._client = client
        self.account = account
        self.region = region
        self._scope = scope
        self._bucket = buckets.for_(account, region)
        self._clock = clock
        self.last_checked: float | None = None
        self.rejected = 0
        self.requests = 0

    def poll(self) -> list[ActivityEvent]:
        now = self._clock.now()
        start = self._scope.since - 60
        if self.last_checked is not None:
            start = max(start, self.last_checked - OVERLAP_SECONDS)
        kwargs: dict[str, Any] = {
            "LookupAttributes": [
                {"AttributeKey": "Username", "AttributeValue": self._scope.incident_id}
            ],
            "StartTime": datetime.fromtimestamp(start, tz=UTC),
            "EndTime": datetime.fromtimestamp(now, tz=UTC),
            "MaxResults": 50,
        }
        raws: list[tuple[str, str]] = []
        while True:
            self._bucket.acquire()
            self.requests += 1
            try:
                page = self._client.lookup_events(**kwargs)
            except Exception as exc:
                raise classify(exc) from None
            raws.extend(
                (str(e.get("CloudTrailEvent", "")), self.account) for e in page.get("Events", [])
            )
            token = page.get("NextToken")
            if not token:
                break
            kwargs["NextToken"] = token
        events, rejected = _parse_all(iter(raws), self._scope)
        self.rejected += rejected
        self.last_checked = now
        return events


def log_filter_pattern(scope: Scope) -> str:
    """Server-side narrowing for the log group; the client-side check still applies."""
    return (
        f'{{ ($.userIdentity.sessionContext.sourceIdentity = "{scope.operator}") || '
        f'($.userIdentity.arn = "*/{scope.incident_id}") || '
        f'($.requestParameters.roleSessionName = "{scope.incident_id}") }}'
    )


class LogGroupPollSource:
    """FilterLogEvents polling on the CloudTrail log group, with overlap and pagination."""

    name = "CloudWatch Logs (polling)"

    def __init__(
        self, client: Any, log_group: str, account: str, scope: Scope, clock: Clock
    ) -> None:
        self._client = client
        self._group = log_group
        self.account = account
        self._scope = scope
        self._clock = clock
        self.last_checked: float | None = None
        self.rejected = 0

    def poll(self) -> list[ActivityEvent]:
        now = self._clock.now()
        start = self._scope.since - 60
        if self.last_checked is not None:
            start = max(start, self.last_checked - OVERLAP_SECONDS)
        kwargs: dict[str, Any] = {
            "logGroupName": self._group,
            "startTime": int(start * 1000),
            "endTime": int(now * 1000),
            "filterPattern": log_filter_pattern(self._scope),
        }
        raws: list[tuple[str, str]] = []
        while True:
            try:
                page = self._client.filter_log_events(**kwargs)
            except Exception as exc:
                raise classify(exc) from None
            raws.extend((str(e.get("message", "")), "") for e in page.get("events", []))
            token = page.get("nextToken")
            if not token:
                break
            kwargs["nextToken"] = token
        events, rejected = _parse_all(iter(raws), self._scope)
        self.rejected += rejected
        self.last_checked = now
        return events


class LiveTailSource:
    """CloudWatch Logs Live Tail: a stream of new log events pushed as they are ingested."""

    name = "CloudWatch Logs Live Tail"

    def __init__(self, client: Any, log_group_arn: str, scope: Scope, clock: Clock) -> None:
        self._client = client
        self._arn = log_group_arn
        self._scope = scope
        self._clock = clock
        self._stream: Any = None
        self._stopped = threading.Event()
        self.last_checked: float | None = None
        self.rejected = 0

    def run(self, deliver: Callable[[list[ActivityEvent]], None]) -> None:
        """Blocking: call on a worker; returns when `stop()` is called or the stream ends."""
        try:
            response = self._client.start_live_tail(
                logGroupIdentifiers=[self._arn],
                logEventFilterPattern=log_filter_pattern(self._scope),
            )
            self._stream = response["responseStream"]
            for item in self._stream:
                if self._stopped.is_set():
                    break
                update = item.get("sessionUpdate")
                self.last_checked = self._clock.now()
                if not update:
                    continue
                raws = ((str(r.get("message", "")), "") for r in update.get("sessionResults", []))
                events, rejected = _parse_all(raws, self._scope)
                self.rejected += rejected
                if events:
                    deliver(events)
        except AwsError:
            raise
        except Exception as exc:
            if not self._stopped.is_set():
                raise classify(exc) from None

    def stop(self) -> None:
        self._stopped.set()
        stream = self._stream
        if stream is not None and hasattr(stream, "close"):
            stream.close()
