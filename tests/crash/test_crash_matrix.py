"""Crash matrix (docs/rules.md §6, §14): the app is SIGKILLed at every step boundary of §1.

For each kill point, a child process runs the procedure against a drill world hosted by this
test process (so the world outlives the "app"), and kills itself right after that journal entry
is durable. A second child is the relaunch: it must find the incident, begin recovery and drive
it to CLOSED (how soon recovery begins is measured by bench/recovery_start.py). Then: the
journal verifies; in every account where the journal shows an AssumeRole intent (a session may
exist there) the role's older sessions are revoked, and so are the user's; the IAM user has
exactly the access key Vault holds, and it works.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from breakglass_gui.core.clock import SystemClock
from breakglass_gui.core.journal import Journal
from breakglass_gui.drill.environment import DrillEnvironment
from breakglass_gui.drill.layout import IAM_ACCOUNT
from tests.crash.harness import KILL_POINTS, json_lines, run_child
from tests.fakes.drill_clients import user_client


@pytest.fixture(scope="module")
def world() -> Iterator[DrillEnvironment]:
    env = DrillEnvironment().start().unseal()
    yield env
    env.stop()


@pytest.fixture
def drill(world: DrillEnvironment) -> DrillEnvironment:
    """One drill world for the module, each case a new incident on it (a world per case cost
    ~3 s of set-up each). Each case ends with the user rotated and every session revoked, which
    is where the next begins; only the MFA device's memory of used steps is reset, since the
    cases follow each other faster than new TOTP steps come."""
    world.devices.forget_used()
    return world


def _assert_revoked_and_rotated(env: DrillEnvironment, journal: Journal, incident: str) -> None:
    assert env.admin is not None and env.config is not None
    role, user = env.config.role.name, env.config.vault.default_user
    assumed = {
        e.payload["account"]
        for e in journal.entries(incident)
        if e.kind == "effect.intent" and e.payload.get("effect") == "sts.assume_role"
    }
    for account in assumed:
        iam = env.admin.client("iam", account)
        policies = iam.list_role_policies(RoleName=role)["PolicyNames"]
        assert "AWSRevokeOlderSessions" in policies, f"sessions in {account} not revoked"
    iam = env.admin.client("iam", IAM_ACCOUNT)
    assert "AWSRevokeOlderSessions" in iam.list_user_policies(UserName=user)["PolicyNames"]
    record = env.vault.current(env.config.vault.kv_path(user))
    active = [
        k["AccessKeyId"]
        for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
        if k["Status"] == "Active"
    ]
    assert active == [record["access_key_id"]]
    sts = user_client(env, "sts", user)  # the key Vault holds, which must work
    assert sts.get_caller_identity()["Arn"].endswith(f":user/{user}")


@pytest.mark.slow
@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_killed_at_every_step_boundary_the_relaunch_recovers(
    drill: DrillEnvironment, tmp_path: Path, point: str
) -> None:
    journal = tmp_path / "journal.sqlite3"
    killed = run_child(drill, journal, kill_at=KILL_POINTS[point])
    assert killed.returncode == -9, f"not killed at {point}: {killed.stdout}{killed.stderr}"

    relaunch = run_child(drill, journal, recover=True)
    assert relaunch.returncode == 0, relaunch.stdout + relaunch.stderr
    began, final = json_lines(relaunch.stdout)
    assert began["state"] != "CLOSED"  # recovery began from where the crash left it
    assert final["final"] == "CLOSED"

    reopened = Journal(journal, SystemClock())
    try:
        assert reopened.verify().ok, reopened.verify().describe()
        assert reopened.unfinished_incidents() == []
        kinds = [e.kind for e in reopened.entries(final["incident"])]
        assert "incident.resumed" in kinds
        _assert_revoked_and_rotated(drill, reopened, final["incident"])
    finally:
        reopened.close()
