"""The app's procedure, headless, in a child process of the crash matrix (docs/rules.md §6, §14).

Reads one JSON line on stdin: how to reach the drill world that the test process hosts (its
config, endpoints and the drill's seeds — through the pipe, never a file), the journal path,
and either `kill_at` (run a drill and SIGKILL this process right after that journal entry is
durably written) or `recover` (a relaunch: find the unfinished incident, resume it, print when
recovery began, and drive it to CLOSED).

The kill hook wraps this process's Journal: the product has no test hook of its own.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any


def main() -> int:
    from breakglass_gui.core import totp
    from breakglass_gui.core.clock import SystemClock
    from breakglass_gui.core.config import parse_config
    from breakglass_gui.core.journal import Journal
    from breakglass_gui.core.procedure import Procedure
    from breakglass_gui.core.secret import Secret
    from breakglass_gui.drill.approver_devices import DrillKeys
    from breakglass_gui.drill.procedure_deps import drill_deps

    world: dict[str, Any] = json.loads(sys.stdin.readline())
    if world.get("kill_at"):
        _arm(Journal, world["kill_at"])
    keys = DrillKeys()  # the drill approvers' keys are public: the same in every process
    config = parse_config(world["config_data"])
    journal = Journal(Path(world["journal"]), SystemClock())
    deps = drill_deps(
        config,
        journal,
        endpoint=world["endpoint"],
        federation_url=world["federation_url"],
        approver_keys=keys,
    )
    mfa_seed = Secret(world["mfa_seed"])
    if world.get("recover"):
        assert journal.verify().ok, journal.verify().describe()
        (incident,) = journal.unfinished_incidents()
        proc = Procedure.resume(deps, incident)
        print(json.dumps({"recovery_began_at": time.time(), "state": proc.state.value}))
        sys.stdout.flush()
        if proc.state.value == "ACTIVE":
            proc.end_session()  # the recovery screen leads into revoke-and-rotate
        offset = 30  # a relaunch uses the next MFA step: the first run used the current one
    else:
        proc = Procedure.declare(
            deps,
            emergency_type="Outage of Active Directory",
            justification="Crash matrix: Active Directory is down, payments failing.",
            operator="drill-operator",
            duration_seconds=3600,
            reference="CRASH-1",
            accounts=tuple(world["targets"]),
        )
        offset = 0  # the current step (the previous one could leave the window at a boundary)
    _drive(proc, world, lambda: totp.code_at(mfa_seed, time.time() + offset))
    print(json.dumps({"final": proc.state.value, "incident": proc.id}), flush=True)
    proc.shutdown()
    journal.close()
    return 0


def _drive(proc: Any, world: dict[str, Any], mfa_code: Any) -> None:
    from breakglass_gui.core.need import Need
    from breakglass_gui.core.secret import Secret
    from breakglass_gui.drill.approver_devices import DrillKeys

    for _ in range(40):
        if proc.incident.finished:
            return
        need = proc.needs()
        if need is Need.APPROVALS:
            signed = {a["role"] for a in proc.incident.approvals}
            role, who = (
                ("primary", "drill-ciso")
                if "primary" not in signed
                else (
                    "secondary",
                    "drill-cfo",
                )
            )
            proc.approve(role, who, DrillKeys().response(who, proc.approval_request()))
        elif need is Need.VAULT:
            proc.unlock_vault(Secret(world["vault_password"]))
        elif need is Need.MFA:
            proc.verify_mfa(mfa_code())
        elif need is Need.ACCOUNTS:
            proc.activate(tuple(world["targets"]))
        elif need is Need.SESSIONS:
            for account, purpose in proc.missing_sessions():
                proc.assume(account, purpose)
        elif need is Need.ACTIVE:
            proc.end_session()
        elif need is Need.REVOKE:
            proc.revoke_and_rotate()
        elif need is Need.REVIEW:
            proc.write_review(Path(world["journal"]).parent / "review", findings="crash matrix")
        elif need is Need.CLOSE:
            proc.close()
    raise AssertionError(f"stuck in {proc.state}")


def _arm(journal_class: Any, kill_at: dict[str, Any]) -> None:
    """SIGKILL this process right after the matching entry is durably in the journal."""
    original = journal_class._write  # under append and append_or_hold, after the commit
    seen = {"n": 0}

    def write(self: Any, incident: str | None, kind: str, payload: dict[str, Any], ts: str) -> Any:
        entry = original(self, incident, kind, payload, ts)
        wanted = kill_at.get("payload", {})
        if kind == kill_at["kind"] and all(payload.get(k) == v for k, v in wanted.items()):
            seen["n"] += 1
            if seen["n"] == kill_at.get("nth", 1):
                os.kill(os.getpid(), signal.SIGKILL)
        return entry

    journal_class._write = write


if __name__ == "__main__":
    sys.exit(main())
