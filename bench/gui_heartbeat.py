#!/usr/bin/env python3
"""docs/rules.md §13: the GUI thread is never blocked > 50 ms, network or not.

A whole drill is driven through the real widgets while every drill endpoint (AWS, Vault,
federation) answers 300 ms late; a 5 ms timer on the GUI thread records when it fires. The
largest gap between two ticks is how long the GUI thread was unable to run its event loop.
The drill's servers run in their own process (drill/remote.py), so the app's process does what
it does in production: HTTP calls to endpoints elsewhere.

Two figures, both against the 50 ms target (bench/run.py takes the median of its runs): the
longest block while network calls are in flight (the declaration to the close: every AWS,
Vault and federation call), and the longest while none is — the warm-up (from the first page
until the app has loaded the Vault client, the AWS service models and the review templates on
a worker and built the other pages) and writing the review in every format (local disk and
CPU). `HEARTBEAT_DEBUG=1` names the page of every gap over 40 ms.
Prints one JSON line: {"network_max_gap_ms": ..., "warm_up_max_gap_ms": ...,
"export_max_gap_ms": ..., "ticks": ...}.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SLOW_SECONDS = 0.3


def main() -> int:
    from PySide6.QtCore import QTimer

    from breakglass_gui.drill.layout import MEMBERS
    from breakglass_gui.ui.app import application, build
    from breakglass_gui.ui.context import AppOptions
    from tests.support.gui_driver import GuiDriver, ScriptedPrompts

    app = application()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        options = AppOptions(
            drill=True, prompts=ScriptedPrompts(folder / "review"), data_dir=folder
        )
        ctl, window = build(options)
        window.show()
        ctl.start()
        driver = GuiDriver(ctl, window)
        driver.wait_page("emergency", timeout=60_000)
        env = driver.env
        env.slow_down(SLOW_SECONDS)
        ticks: list[tuple[float, str]] = []
        phase = ["warm_up"]
        heartbeat = QTimer()
        heartbeat.setInterval(5)
        heartbeat.timeout.connect(
            lambda: ticks.append((time.perf_counter(), f"{phase[0]}:{window.current.name}"))
        )
        heartbeat.start()
        driver.wait(lambda: ctl.warmed, 60_000)
        phase[0] = "network"
        driver.to_session(MEMBERS[:2])
        driver.open_console(MEMBERS[0])
        driver.copy_url(MEMBERS[1])
        driver.wait_activity(at_least=3, timeout=60_000)
        driver.end_session()
        driver.wait_rotated(timeout=120_000)
        phase[0] = "export"  # writing the review files: disk and CPU only, no network call
        driver.export_review(folder / "review")
        phase[0] = "network"
        driver.close_incident()  # revokes the Vault token
        heartbeat.stop()
        done: list[bool] = []
        ctl.shutdown(lambda: done.append(True))
        driver.wait(lambda: bool(done))
        window._closing = True
        window.close()
    worst = {"warm_up": 0.0, "network": 0.0, "export": 0.0}
    for (before, _), (after, label) in itertools.pairwise(ticks):
        kind = label.split(":")[0]
        worst[kind] = max(worst[kind], after - before)
        if os.environ.get("HEARTBEAT_DEBUG") and after - before > 0.04:
            print(f"gap {(after - before) * 1000:.0f} ms at {label}", file=sys.stderr)
    print(
        json.dumps(
            {
                "network_max_gap_ms": worst["network"] * 1000,
                "warm_up_max_gap_ms": worst["warm_up"] * 1000,
                "export_max_gap_ms": worst["export"] * 1000,
                "ticks": len(ticks),
            }
        )
    )
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
