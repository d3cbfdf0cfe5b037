"""The GUI's drill world in a child process: the same answers as in-process, and no orphan."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import hvac
import pytest

from breakglass_gui.core.clock import SystemClock
from breakglass_gui.core.journal import Journal
from breakglass_gui.drill.layout import IAM_ACCOUNT, USERS
from breakglass_gui.drill.remote import DRILL_NICENESS, DrillProcessError, RemoteDrill
from tests.fakes.waiting import process_gone
from tests.support.fresh_python import run_python


@pytest.fixture(scope="module")
def drill() -> Iterator[RemoteDrill]:
    world = RemoteDrill().start()
    yield world
    world.stop()


def test_the_world_runs_in_another_process_and_answers_like_the_in_process_one(
    drill: RemoteDrill,
) -> None:
    assert drill.alive and drill.pid not in (None, os.getpid())
    assert drill.config is not None and drill.config.vault.users == USERS
    assert (
        drill.approver_response("drill-ciso", None) == drill.approver_keys.keys["drill-ciso"].pin
    )  # the same public drill keys on both sides
    vault = hvac.Client(url=drill.config.vault.address, verify=drill.config.vault.ca_bundle)
    assert vault.sys.read_seal_status()["sealed"] is True
    assert len(drill.unseal_shares()) == drill.threshold == 3


def test_the_world_yields_the_cpu_to_the_app(drill: RemoteDrill) -> None:
    """Its servers stand for AWS and Vault, elsewhere in production (docs/rules.md §13's
    heartbeat)."""
    assert drill.pid is not None
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, drill.pid) == min(19, ours + DRILL_NICENESS)


def test_someone_else_using_a_code_first_is_seen_by_the_drill_sts(drill: RemoteDrill) -> None:
    code = drill.mfa_code()
    assert drill.use_mfa_code(USERS[0], code) is True
    assert drill.use_mfa_code(USERS[0], code) is False  # AWS accepts each step once


def test_unsealing_is_reported_back_for_the_drill_panel(drill: RemoteDrill) -> None:
    assert drill.config is not None
    vault = hvac.Client(url=drill.config.vault.address, verify=drill.config.vault.ca_bundle)
    for share in drill.unseal_shares():
        vault.sys.submit_unseal_key(share.reveal())
    deadline = time.monotonic() + 5
    while drill.sealed and time.monotonic() < deadline:
        time.sleep(0.02)
    assert drill.sealed is False


def test_a_failing_command_raises_in_the_app_with_the_childs_reason(drill: RemoteDrill) -> None:
    with pytest.raises(DrillProcessError, match="KeyError"):
        drill.use_mfa_code("nobody", "123456")
    assert drill.alive  # one bad request does not bring the world down


def test_the_apps_aws_calls_reach_the_childs_moto(drill: RemoteDrill, tmp_path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3", SystemClock())
    try:
        deps = drill.deps(journal)
        assert deps.drill and deps.config is drill.config
        assert deps.aws.endpoint_url == drill.world.endpoint
        sts = drill.admin.client("sts", IAM_ACCOUNT)
        assert sts.get_caller_identity()["Account"] == IAM_ACCOUNT
    finally:
        journal.close()


CHILD = """
import json, sys, time
from breakglass_gui.drill.remote import RemoteDrill
drill = RemoteDrill().start()
print(json.dumps({"child": drill.pid}), flush=True)
time.sleep(600)
"""


def test_killing_the_app_takes_the_drill_world_down_with_it() -> None:
    app = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    try:
        assert app.stdout is not None
        child = json.loads(app.stdout.readline())["child"]
        os.kill(app.pid, signal.SIGKILL)
        app.wait(timeout=10)
        assert process_gone(child, within=10), "the drill world outlived the app"
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        if app.stdout is not None:
            app.stdout.close()


def test_stop_is_idempotent_and_leaves_no_process() -> None:
    world = RemoteDrill().start()
    pid = world.pid
    assert pid is not None
    world.stop()
    world.stop()
    assert not world.alive and process_gone(pid, within=1)
    with pytest.raises(DrillProcessError, match="not running"):
        world.slow_down(0.1)


def test_the_worlds_process_imports_nothing_that_only_the_app_side_uses() -> None:
    """The child starts the world and answers; it never signs as an approver nor builds the
    procedure's dependencies, so it does not pay their imports (~0.1 s of every drill start)."""
    probe = (
        "import sys, breakglass_gui.drill.remote\n"
        "print(sorted(m for m in ('fido2', 'breakglass_gui.drill.approver_devices',"
        " 'breakglass_gui.core.deps') if m in sys.modules))"
    )
    done = run_python(probe)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_worlds_process_freezes_what_its_start_made(drill: RemoteDrill) -> None:
    """The world's objects live as long as its process: once it is up they are moved out of
    the collector's sight (`gc.freeze`), and collection goes on for what comes after."""
    state = drill._call("collector")
    assert state["enabled"] is True
    assert state["frozen"] > 100_000
