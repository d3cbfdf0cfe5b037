#!/usr/bin/env python3
"""How soon a relaunch begins recovering an incident the app was killed in (docs/rules.md §6): not a
§13 target; the crash matrix's former 5 s bound, measured here rather than asserted by a test.

The crash matrix's child (tests/crash/child.py) runs the procedure against a drill world this
process hosts and SIGKILLs itself once the incident is ACTIVE; a second child is the relaunch.
The clock starts before the relaunch's interpreter is spawned (imports included) and stops
when it has verified the journal, found the incident and resumed it.
Prints one JSON line: {"median_s": ..., "runs": [...]}.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RUNS = 1  # bench/run.py repeats it (5 runs in a full run, medians)


def main() -> int:
    from breakglass_gui.drill.environment import DrillEnvironment
    from tests.crash.harness import KILL_POINTS, json_lines, run_child

    runs: list[float] = []
    for _ in range(RUNS):
        with DrillEnvironment() as drill, tempfile.TemporaryDirectory() as scratch:
            drill.unseal()  # the key holders have unsealed OpenBao before the crash
            journal = Path(scratch) / "journal.sqlite3"
            killed = run_child(drill, journal, kill_at=KILL_POINTS["active"])
            if killed.returncode != -9:
                raise SystemExit(f"the first run was not killed:\n{killed.stderr[-2000:]}")
            spawned_at = time.time()
            relaunch = run_child(drill, journal, recover=True)
            if relaunch.returncode != 0:
                raise SystemExit(f"the relaunch failed:\n{relaunch.stderr[-2000:]}")
            began = json_lines(relaunch.stdout)[0]
            runs.append(began["recovery_began_at"] - spawned_at)
    print(json.dumps({"median_s": statistics.median(runs), "runs": runs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
