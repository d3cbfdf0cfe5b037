#!/usr/bin/env python3
"""docs/rules.md §13: revoke-and-rotate with 50 ms added to every AWS call takes at most 3× the
time for one account with 50 accounts, and at most 4× with 100.

Each size is a drill organisation (drill/organisation.py: the member accounts in OUs, listed
through AWS Organizations into the account snapshot, as `accounts sync` does) and a real
incident against it (moto behind the drill's gate, the drill's OpenBao) across every member, up
to the end of the session; then `revoke_and_rotate` alone is timed with the gate adding the
latency. One drill organisation of the largest size serves every size, one incident after
another (each rotation leaves the new credentials in Vault for the next). The drill world runs
in its own process, as the GUI's drill does (drill/remote.py):
in production AWS's work is done on AWS's machines, and moto's request handling in the app's
own process would be measured as the app's (100 accounts: 5.3× in process, with the servers
and the app sharing one interpreter lock).
Prints one JSON line: {"one_s": …, "sizes": {"50": {"s": …, "ratio": …}, "100": {…}}}.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LATENCY_S = 0.05
STEP_MARGIN_S = 5.0  # seconds before a TOTP step ends in which no code is made
# bench/run.py --smoke (CI): an organisation of ten, to check the benchmark runs.
SIZES = (5, 10) if os.environ.get("BENCH_SMOKE") else (50, 100)


def code_moment(nth: int, now: float) -> tuple[float, float]:
    """(how long to wait first, the moment whose MFA code the nth incident sends).

    AWS takes each MFA code once (±1 step): the three incidents of a run, seconds apart, use
    the codes of the previous, the current and the next 30-second step. Never in a step's last
    seconds: a code of the previous step made just before a boundary is two steps old when STS
    checks it just after (it broke a CI run on a loaded machine)."""
    wait = 30 - now % 30 + 0.1 if now % 30 > 30 - STEP_MARGIN_S else 0.0
    return wait, now + wait + 30 * (nth - 1)


def revoke_and_rotate_seconds(env: Any, accounts: tuple[str, ...], nth: int) -> float:
    """The nth incident, across `accounts`, to the end of its session, then revoke-and-rotate
    timed with LATENCY_S added to every call of the drill's endpoints."""
    from breakglass_gui.core.clock import SystemClock
    from breakglass_gui.core.config.model import EmergencyType
    from breakglass_gui.core.incident import State
    from breakglass_gui.core.journal import Journal
    from breakglass_gui.drill.autopilot import APPROVERS, declare

    env.slow_down(0)
    with tempfile.TemporaryDirectory() as folder:
        journal = Journal(Path(folder) / "journal.sqlite3", SystemClock())
        proc = declare(
            env.deps(journal),
            "BENCH",
            "Benchmark: revoke and rotate across many accounts.",
            EmergencyType.CRITICAL_FAILURE,
            accounts=accounts,
        )
        for role, approver in APPROVERS:
            proc.approve(role, approver, env.approver_response(approver, proc.approval_request()))
        if env.sealed:
            for index, share in enumerate(env.unseal_shares()):
                proc.submit_unseal_share(share, holder=f"share-holder-{index + 1}")
        proc.unlock_vault(env.vault_credential())
        wait, at = code_moment(nth, time.time())
        time.sleep(wait)
        proc.verify_mfa(env.mfa_code(proc.incident.vault_user, at=at))
        proc.activate(accounts)
        proc.end_session()
        env.slow_down(LATENCY_S)
        started = time.perf_counter()
        proc.revoke_and_rotate()
        elapsed = time.perf_counter() - started
        assert proc.state is State.ROTATED, proc.state
        proc.shutdown()
        journal.close()
    return elapsed


def main(argv: list[str]) -> int:
    from breakglass_gui.drill.layout import member_ids
    from breakglass_gui.drill.remote import RemoteDrill

    sizes = tuple(int(a) for a in argv) or SIZES
    # One drill organisation for every size: consecutive incidents, as in a real organisation
    # (each rotation leaves the new credentials in Vault for the next incident).
    env = RemoteDrill(members=max(sizes), organisation=True).start()
    try:
        members = member_ids(max(sizes))
        one = revoke_and_rotate_seconds(env, members[:1], 0)
        figures = {}
        for nth, size in enumerate(sizes, start=1):
            seconds = revoke_and_rotate_seconds(env, members[:size], nth)
            figures[str(size)] = {"s": seconds, "ratio": seconds / one}
    finally:
        env.stop()
    print(json.dumps({"one_s": one, "sizes": figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
