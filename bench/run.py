#!/usr/bin/env python3
"""Every performance target of SPEC §13; each figure is printed beside its target and the exit
status is non-zero if one is missed.

    python bench/run.py            # full: 5 runs each, medians (worst run where "never")
    python bench/run.py --quick    # CI: 1 run each
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# A benchmark's figure and a note printed under its row ("" for none).
Figure = tuple[float, str]

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def drill_environment_start() -> Figure:
    from breakglass_gui.drill.environment import DrillEnvironment

    env = DrillEnvironment()
    started = time.perf_counter()
    env.start()
    elapsed = time.perf_counter() - started
    env.stop()
    return elapsed, ""


def drill_autopilot() -> Figure:
    """Wall time of the real command, interpreter start and imports included."""
    main = Path(__file__).resolve().parents[1] / "main.py"
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, str(main), "drill", "--autopilot", "--out", out],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"drill --autopilot failed:\n{result.stdout}{result.stderr}")
    return elapsed, ""


def _activity_panel() -> dict[str, float]:
    """bench/activity_panel.py in its own process (its peak RSS is the panel's own)."""
    script = Path(__file__).resolve().parent / "activity_panel.py"
    result = subprocess.run(
        [sys.executable, str(script)], check=True, capture_output=True, text=True, timeout=300
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def gui_heartbeat() -> Figure:
    """bench/gui_heartbeat.py in its own process: a GUI drill with endpoints slowed 300 ms."""
    script = Path(__file__).resolve().parent / "gui_heartbeat.py"
    result = subprocess.run(
        [sys.executable, str(script)], check=True, capture_output=True, text=True, timeout=300
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return float(figures["network_max_gap_ms"]), (
        f"no network call in flight: warm-up {figures['warm_up_max_gap_ms']:.0f} ms, "
        f"review export {figures['export_max_gap_ms']:.0f} ms"
    )


def _script(name: str) -> dict[str, Any]:
    """bench/NAME.py in its own process; its last stdout line is a JSON object."""
    script = Path(__file__).resolve().parent / f"{name}.py"
    result = subprocess.run(
        [sys.executable, str(script)], check=True, capture_output=True, text=True, timeout=600
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def cold_start() -> Figure:
    """bench/cold_start.py: seven fresh interpreters, the median to the first page painted."""
    figures = _script("cold_start")
    if figures["heavy_loaded"]:
        raise SystemExit(f"heavy modules on the start-up path: {figures['heavy_loaded']}")
    return float(figures["median_s"]), (
        f"a bare PySide6 QWizard page: {figures['bare_median_s']:.2f} s on this machine; "
        "SPEC §13 cites ~0.12 s"
    )


def console_latency() -> Figure:
    """bench/console_latency.py: the app's own work on the way to the console URL (ms)."""
    figures = _script("console_latency")
    return float(figures["local_ms"]), (
        f"{figures['round_trips']} network round trips; "
        f"{figures['total_ms']:.0f} ms in all against the local drill"
    )


def revocation_scale() -> Figure:
    """bench/revocation_scale.py: 25 accounts ÷ 1 account, 50 ms added per AWS call."""
    figures = _script("revocation_scale")
    return float(figures["ratio"]), (
        f"1 account {figures['one_s']:.2f} s, {figures['accounts']} accounts "
        f"{figures['many_s']:.2f} s"
    )


def panel(figure: str) -> Callable[[], Figure]:
    return lambda: (_activity_panel()[figure], "")


# "Never blocked": the worst of the runs counts, not the median.
WORST_OF_RUNS = {"gui_heartbeat"}

BENCHMARKS: list[tuple[str, Callable[[], Figure], float]] = [
    ("cold start to the first wizard page painted (s)", cold_start, 0.35),
    ("console URL: the app's own work besides the round trips (ms)", console_latency, 50.0),
    ("revoke-and-rotate, 25 accounts ÷ 1, +50 ms per AWS call (×)", revocation_scale, 3.0),
    ("drill environment start (s)", drill_environment_start, 2.0),
    ("main.py drill --autopilot, wall, environment start included (s)", drill_autopilot, 10.0),
    ("activity panel: add 10,000 events to 100,000 (s)", panel("add_10k_s"), 0.100),
    ("activity panel: filter 110,000 events (s)", panel("filter_s"), 0.100),
    ("activity panel: peak RSS with 110,000 events (MB)", panel("rss_mb"), 250.0),
    ("GUI thread longest block, endpoints +300 ms per call (ms)", gui_heartbeat, 50.0),
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="one run each (CI)")
    runs = 1 if parser.parse_args().quick else 5
    missed = 0
    print(f"{'benchmark':<62} {'figure':>8} {'target':>8}  result")
    for name, bench, target in BENCHMARKS:
        figures = [bench() for _ in range(runs)]
        values = [value for value, _ in figures]
        worst = getattr(bench, "__name__", "") in WORST_OF_RUNS
        value = max(values) if worst else statistics.median(values)
        ok = value <= target
        missed += not ok
        print(f"{name:<62} {value:8.2f} {target:8.2f}  {'ok' if ok else 'MISSED'}", flush=True)
        note = figures[-1][1]
        if note:
            print(f"    ({note})", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
