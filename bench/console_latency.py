#!/usr/bin/env python3
"""docs/rules.md §13: from the operator's last input to the console URL handed to the browser: two
network round trips (AssumeRole, getSigninToken) and at most 20 ms of the app's own work.

Against the drill, an ACTIVE incident's role session has lapsed and the operator presses Open
console: the app obtains a fresh role session (AssumeRole), a sign-in token (getSigninToken)
and hands the URL to the browser. Every network exchange on that path is timed where it
happens (botocore's before-send → response-received, and the federation fetch) and counted;
the app's own work (journaling with fsync included) is the total minus that. The new session
is announced on SNS (§5.3) after the hand-off (core/notifications/announcer.py): the count
stops at the hand-off, and a Publish before it would make three.
Prints one JSON line with the medians over the runs and the round trips counted.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RUNS = 3 if os.environ.get("BENCH_SMOKE") else 15  # --smoke (CI): it runs


class NetworkClock:
    """Time spent waiting on the network, summed over every exchange on the path: the calls
    the thread that opens the console makes. Work the app does in the background meanwhile
    (the journal's checkpoint written to the anchor bucket, core/anchoring.py) is off the path
    and not counted; counting it made the count depend on when that thread ran (4, not 3, in
    one clean-clone run)."""

    def __init__(self) -> None:
        self.total = 0.0
        self.exchanges = 0
        self._started: float | None = None
        self.path = threading.get_ident()

    def before_send(self, **kwargs: Any) -> None:
        if threading.get_ident() == self.path:
            self._started = time.perf_counter()

    def received(self, **kwargs: Any) -> None:
        if threading.get_ident() == self.path and self._started is not None:
            self.total += time.perf_counter() - self._started
            self.exchanges += 1
            self._started = None

    def fetch(self, inner: Any) -> Any:
        def timed(url: str, timeout: float) -> bytes:
            started = time.perf_counter()
            try:
                return bytes(inner(url, timeout))
            finally:
                if threading.get_ident() == self.path:
                    self.total += time.perf_counter() - started
                    self.exchanges += 1

        return timed


class HandOff:
    def __init__(self, wire: NetworkClock) -> None:
        self.at = 0.0
        self.wire = wire
        self.exchanges = 0  # the network exchanges counted when the URL was handed over
        self.network = 0.0  # and the time spent in them

    def open(self, url: Any) -> None:
        self.at = time.perf_counter()
        self.exchanges = self.wire.exchanges
        self.network = self.wire.total
        url.wipe()


def main() -> int:
    from breakglass_gui.core.aws import console
    from breakglass_gui.core.clock import SystemClock
    from breakglass_gui.core.journal import Journal
    from breakglass_gui.drill.autopilot import declare, to_access
    from breakglass_gui.drill.environment import DrillEnvironment
    from breakglass_gui.drill.layout import MEMBERS, REGION

    wire = NetworkClock()
    env = DrillEnvironment().start()
    local: list[float] = []
    totals: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            journal = Journal(Path(folder) / "journal.sqlite3", SystemClock())
            browser = HandOff(wire)
            deps = env.deps(journal, browser=browser)
            deps.console = console.ConsoleSignIn(
                console.FederationEndpoint("aws", REGION, override=env.federation.url),
                fetch=wire.fetch(deps.network.fetch),
            )
            deps.aws.hooks += [
                ("before-send", wire.before_send),
                ("response-received", wire.received),
            ]
            proc = declare(deps, "BENCH", "Benchmark: time from the last input to the console URL.")
            to_access(env, proc)
            proc.activate(MEMBERS[:1])
            round_trips: list[int] = []
            for _ in range(RUNS):
                proc.forget_session(MEMBERS[0])  # the session has lapsed
                wire.total, wire.exchanges = 0.0, 0
                started = time.perf_counter()
                proc.open_console(MEMBERS[0])  # AssumeRole, getSigninToken, the browser
                total = browser.at - started
                round_trips.append(browser.exchanges)
                totals.append(total)
                local.append(total - browser.network)
            proc.shutdown()
            journal.close()
    finally:
        env.stop()
    print(
        json.dumps(
            {
                "local_ms": statistics.median(local) * 1000,
                "total_ms": statistics.median(totals) * 1000,
                "round_trips": max(round_trips),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
