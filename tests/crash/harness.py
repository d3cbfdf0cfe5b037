"""Runs tests/crash/child.py (the procedure, headless, in a process of its own) against a drill
world this process hosts, killed at a chosen journal entry or relaunched to recover. Shared by
the crash matrix and bench/recovery_start.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from breakglass_gui.drill.environment import DrillEnvironment
from breakglass_gui.drill.layout import MEMBERS

CHILD = Path(__file__).with_name("child.py")
ROOT = Path(__file__).resolve().parents[2]


def _transition(state: str) -> dict[str, Any]:
    return {"kind": "incident.transition", "payload": {"to": state}}


def _effect(step: str, name: str, nth: int = 1) -> dict[str, Any]:
    return {"kind": f"effect.{step}", "payload": {"effect": name}, "nth": nth}


KILL_POINTS: dict[str, dict[str, Any]] = {
    "declared": _transition("DECLARED"),
    "first sign-off": {"kind": "approval.granted", "payload": {"role": "primary"}},
    "approved": _transition("APPROVED"),
    "vault login sent": _effect("intent", "vault.login"),
    "vault unlocked": _transition("VAULT_UNLOCKED"),
    "mfa code sent": _effect("intent", "sts.get_session_token"),
    "mfa verified": _transition("MFA_VERIFIED"),
    "first role session issued": _effect("outcome", "sts.assume_role"),
    "active": _transition("ACTIVE"),
    "ending": _transition("ENDING"),
    "revoking a role session": _effect("intent", "revoke.role"),
    "revoked": _transition("REVOKED"),
    "new access key created, not yet in Vault": _effect("outcome", "iam.create_access_key"),
    "new key in Vault, old key still active": _effect("outcome", "vault.write_record"),
    "rotated": _transition("ROTATED"),
    "reviewed": _transition("REVIEWED"),
}


def world_line(env: DrillEnvironment, journal: Path, **mode: Any) -> str:
    assert env.config is not None
    user = env.config.vault.default_user
    return json.dumps(
        {
            "config_data": env.config_data,
            "endpoint": env.endpoint,
            "federation_url": env.federation.url,
            "mfa_seed": env.devices.seed(env.serials[user]),
            "vault_password": env.vault_password.reveal(),
            "targets": list(MEMBERS[:2]),
            "journal": str(journal),
            **mode,
        }
    )


def run_child(
    env: DrillEnvironment, journal: Path, **mode: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHILD)],
        input=world_line(env, journal, **mode) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )


def json_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]
