"""The incident's live activity: sources built from its sessions, one event store.

Every event seen is kept (for the review) and journaled as a summary, so a crash loses none.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime

from breakglass_gui.core.aws.activity import ActivityEvent, EventStore, by_app
from breakglass_gui.core.aws.sources import (
    Buckets,
    LiveTailSource,
    LogGroupPollSource,
    LookupEventsSource,
    Scope,
)
from breakglass_gui.core.clock import Clock
from breakglass_gui.core.config import Config
from breakglass_gui.core.custody import Custody
from breakglass_gui.core.errors import BreakGlassError
from breakglass_gui.core.recorder import Recorder

PollSource = LookupEventsSource | LogGroupPollSource

# Where a partition's global services (IAM, STS's global endpoint, console sign-in) record their
# CloudTrail events: "events for global services are logged in US East (N. Virginia)" (CloudTrail
# User Guide, "Understanding multi-Region trails and opt-in Regions" / global service events);
# the GovCloud and China partitions each have their own home Region.
GLOBAL_EVENTS_REGION = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-north-1"}


def lookup_regions(partition: str, region: str) -> tuple[str, ...]:
    """LookupEvents is per Region: the working Region and the partition's global-events one."""
    return tuple(dict.fromkeys((region, GLOBAL_EVENTS_REGION.get(partition, region))))


class ActivityMonitor:
    def __init__(self, recorder: Recorder, custody: Custody, config: Config, clock: Clock) -> None:
        self._recorder = recorder
        self._custody = custody
        self._config = config
        self._clock = clock
        self.events = EventStore()
        self._lock = threading.Lock()
        self._buckets = Buckets(clock)
        self._sources: list[PollSource] = []
        self._last_errors: list[str] = []
        self._app_keys: set[str] | None = None  # app_key_ids, read from the journal once

    @property
    def app_key_ids(self) -> frozenset[str]:
        """Access key ids of every session this incident was issued: its own calls' keys
        (read from the journal once, so a relaunch knows the keys used before the crash)."""
        with self._lock:
            if self._app_keys is None:
                kinds = ("session.issued", "session.mfa")
                self._app_keys = {
                    str(e.payload.get("access_key_id", ""))
                    for e in self._recorder.entries()
                    if e.kind in kinds
                }
            return frozenset(k for k in self._app_keys if k)

    def issued(self, access_key_id: str) -> None:
        """The procedure was issued a session: its calls are the app's."""
        with self._lock:
            if self._app_keys is not None:
                self._app_keys.add(access_key_id)

    def scope(self) -> Scope:
        incident = self._recorder.incident
        declared = incident.declared_at.replace("Z", "+00:00")
        since = datetime.fromisoformat(declared).timestamp() if declared else 0.0
        return Scope(incident.id, incident.request.operator, self._config.role.name, since)

    def sources(self) -> list[PollSource]:
        """(Re)build the polling sources from the live sessions; cheap, call after changes."""
        config, custody = self._config, self._custody
        scope, clock = self.scope(), self._clock
        sources: list[PollSource] = []
        log_account = config.log_account_id
        if config.monitoring.filter_log_events and custody.session(log_account):
            logs = custody.client("logs", log_account, config.log_region)
            sources.append(
                LogGroupPollSource(logs, config.monitoring.log_group, log_account, scope, clock)
            )
        if config.monitoring.lookup_events:
            for account in self._recorder.incident.accounts:
                if custody.session(account) is None:
                    continue
                for region in lookup_regions(
                    config.organisation.partition, config.organisation.region
                ):
                    trail = custody.client("cloudtrail", account, region)
                    sources.append(
                        LookupEventsSource(trail, account, region, scope, self._buckets, clock)
                    )
        self._sources = sources
        return sources

    def live_tail(self) -> LiveTailSource | None:
        """The Live Tail stream on the log group, if configured; run it on a worker with
        `deliver` as its callback (it blocks until stopped)."""
        config, custody = self._config, self._custody
        account = config.log_account_id
        if not config.monitoring.live_tail or custody.session(account) is None:
            return None
        region, partition = config.log_region, config.organisation.partition
        arn = f"arn:{partition}:logs:{region}:{account}:log-group:{config.monitoring.log_group}"
        return LiveTailSource(
            custody.client("logs", account, region), arn, self.scope(), self._clock
        )

    def label(self, events: list[ActivityEvent]) -> list[ActivityEvent]:
        """Mark the app's own calls as such (activity.by_app)."""
        keys = self.app_key_ids
        return [replace(e, actor="app") if by_app(e, keys) else e for e in events]

    def deliver(self, events: list[ActivityEvent]) -> list[ActivityEvent]:
        """Store pushed events (Live Tail); the new ones are journaled and returned."""
        fresh = self.events.add(self.label(events))
        self._record(fresh)
        return fresh

    def poll(self) -> list[ActivityEvent]:
        """Poll every source once; new events are stored and journaled (summaries only)."""
        if not self._sources:
            self.sources()
        fresh: list[ActivityEvent] = []
        errors: list[str] = []
        for source in self._sources:
            try:
                fresh.extend(self.events.add(self.label(source.poll())))
            except BreakGlassError as exc:
                errors.append(f"{source.name}: {exc.message}")
        self._record(fresh)
        if errors and errors != self._last_errors:  # each new problem once, not every poll
            self._recorder.log("activity.source_error", {"errors": errors})
        self._last_errors = errors
        return fresh

    def _record(self, events: list[ActivityEvent]) -> None:
        if events:
            self._recorder.log("activity.events", {"events": [e.summary() for e in events]})

    def last_checked(self) -> float | None:
        stamps = [s.last_checked for s in self._sources if s.last_checked is not None]
        return max(stamps) if stamps else None
