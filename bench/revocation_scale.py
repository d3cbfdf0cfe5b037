#!/usr/bin/env python3
"""docs/rules.md §13: revoke-and-rotate across 25 accounts, with 50 ms added to every AWS call,
takes at most 3× the time for one account.

Each size runs a real incident against the drill (moto behind the drill's gate, the drill Vault)
up to the end of the session, then times `revoke_and_rotate` alone with the gate adding the
latency. Prints one JSON line: {"one_s": ..., "many_s": ..., "ratio": ..., "accounts": 25}.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LATENCY_S = 0.05
MANY = 25


def revoke_and_rotate_seconds(members: int) -> float:
    from breakglass_gui.core.clock import SystemClock
    from breakglass_gui.core.config.model import EmergencyType
    from breakglass_gui.core.incident import State
    from breakglass_gui.core.journal import Journal
    from breakglass_gui.drill.autopilot import declare, to_access
    from breakglass_gui.drill.environment import DrillEnvironment
    from breakglass_gui.drill.layout import member_ids

    env = DrillEnvironment(members=members).start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            journal = Journal(Path(folder) / "journal.sqlite3", SystemClock())
            proc = declare(
                env.deps(journal),
                "BENCH",
                "Benchmark: revoke and rotate across many accounts.",
                EmergencyType.CRITICAL_FAILURE,
                accounts=member_ids(members),
            )
            to_access(env, proc)
            proc.activate(member_ids(members))
            proc.end_session()
            assert env.gate is not None
            env.gate.delay_seconds = LATENCY_S
            started = time.perf_counter()
            proc.revoke_and_rotate()
            elapsed = time.perf_counter() - started
            assert proc.state is State.ROTATED, proc.state
            proc.shutdown()
            journal.close()
    finally:
        env.stop()
    return elapsed


def main() -> int:
    one = revoke_and_rotate_seconds(1)
    many = revoke_and_rotate_seconds(MANY)
    print(json.dumps({"one_s": one, "many_s": many, "ratio": many / one, "accounts": MANY}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
