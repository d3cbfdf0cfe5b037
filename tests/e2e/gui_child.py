"""The GUI in a child process, for the crash-recovery test (docs/rules.md §6).

`to-active DIR`: a drill driven through the real widgets until the session is ACTIVE, then
the event loop runs until the parent kills the process (SIGKILL).
`recover DIR`: a relaunch over the same data directory; prints the first page shown, then
drives recovery through revoke-and-rotate and prints the final state.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from breakglass_gui.drill.layout import MEMBERS
from breakglass_gui.ui.app import application, build
from breakglass_gui.ui.context import AppOptions
from tests.support.gui_driver import GuiDriver, ScriptedPrompts


def main(mode: str, data_dir: Path) -> int:
    app = application()
    options = AppOptions(drill=True, prompts=ScriptedPrompts(), data_dir=data_dir)
    ctl, window = build(options)
    shown: list[str] = []
    ctl.routed.connect(shown.append)
    window.show()
    ctl.start()
    driver = GuiDriver(ctl, window)
    if mode == "to-active":
        driver.to_session(MEMBERS[:2])
        assert ctl.procedure is not None
        print(f"ACTIVE {ctl.procedure.id}", flush=True)
        return int(app.exec())  # until SIGKILL
    driver.wait(lambda: any(name != "startup" for name in shown))
    first = next(name for name in shown if name != "startup")
    print(f"FIRST {first}", flush=True)
    print(f"STATUS {window.state_label.text()}", flush=True)  # says what is being recovered
    recovery = driver.wait_page("recovery")
    driver.click(recovery.resume)  # type: ignore[attr-defined]
    driver.unseal()  # the relaunched drill is a new world: its OpenBao starts sealed
    driver.unlock()  # the relaunched drill has a new Vault password: the panel's
    driver.mfa()
    driver.wait_rotated(timeout=60_000)
    statuses = driver.page("ending").statuses()  # type: ignore[attr-defined]
    assert ctl.procedure is not None
    print(f"STATE {ctl.procedure.state.value} {ctl.procedure.id}", flush=True)
    print("STEPS " + ",".join(f"{k}={v}" for k, v in statuses.items()), flush=True)
    done: list[bool] = []
    ctl.shutdown(lambda: done.append(True))
    driver.wait(lambda: bool(done))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
