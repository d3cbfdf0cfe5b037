"""`drill --autopilot`: a whole drill headless; its journal verifies, its review says what
happened, and nothing secret it used is left anywhere under the (temporary) home."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from breakglass_gui.cli import main
from breakglass_gui.core.anchor import DirAnchor
from breakglass_gui.drill.autopilot import audit_trail, run_autopilot
from breakglass_gui.drill.environment import DrillEnvironment
from breakglass_gui.drill.layout import MEMBERS
from tests.support.pdf_text import pdf_pages

ROOT = Path(__file__).resolve().parents[2]


def _collect(env: DrillEnvironment, found: set[str]) -> None:
    """Every secret value the drill handled, read from the simulated services themselves."""
    from moto.sts.models import sts_backends

    found.add(env.vault_password.reveal())
    found.update(env.vault.unseal_keys)
    found.add(env.vault.root_token)
    found.update(env.vault.tap.tokens())  # every token OpenBao handed out (its audit stream)
    found.update(env.federation.tokens)
    for secret in env.devices._seeds.values():
        found.add(secret.reveal())
    assert env.config is not None
    for user in env.config.vault.users:
        for version in env.vault.versions(env.config.vault.kv_path(user)):
            found.add(version["secret_access_key"])
            found.add(version["console_password"])
    for backend in sts_backends.values():
        for role in backend["global"].assumed_roles:
            found.update({role.secret_access_key, role.session_token})


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    for name, sub in (
        ("HOME", ""),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
        ("TMPDIR", "tmp"),
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(name, str(home / sub))
    monkeypatch.setattr(tempfile, "tempdir", str(home / "tmp"))
    return home


def test_the_autopilot_runs_a_whole_drill_and_leaves_no_secret(home: Path) -> None:
    secrets: set[str] = set()
    seen: dict[str, Any] = {}

    def observe(env: DrillEnvironment, proc: Any) -> None:
        _collect(env, secrets)
        seen["incident"] = proc.id
        # Issue 18, item 8: an insider assumes the role without the app; CloudTrail has it.
        out_dir = home / "drill-out"
        env.session_behind_the_apps_back(MEMBERS[0], "maintenance")
        found = io.StringIO()
        seen["audit"] = audit_trail(env, proc, out_dir, DirAnchor(out_dir / "anchor"), found)
        seen["audit_report"] = found.getvalue()

    out = io.StringIO()
    status = run_autopilot(home / "drill-out", out=out, observe=observe)
    report = out.getvalue()
    assert status == 0, report
    assert "DRILL PASSED" in report and " ms" in report
    assert "unseal Vault (3 of 5 shares)" in report  # the drill's OpenBao starts sealed

    # What AWS recorded of the app's own sessions matched; the one behind its back did not.
    assert "2 role session(s), 0 finding(s)" in report, report  # one per target account
    assert seen["audit"] == 1, seen["audit_report"]
    assert "FINDING" in seen["audit_report"] and '"maintenance"' in seen["audit_report"]

    out_dir = home / "drill-out"
    journal = out_dir / "journal.sqlite3"
    # An auditor's offline checks of what the drill left in DIR (issue 18, items 2 and 7).
    bundle = next(out_dir.glob("*-approvals-DRILL.json"))
    keys = out_dir / "approver-keys-DRILL.json"
    assert main(["verify-approvals", str(bundle), "--keys", str(keys)]) == 0
    assert main(["verify", str(journal), "--anchor", str(out_dir / "anchor")]) == 0
    verify = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "verify", str(journal)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verify.returncode == 0, verify.stderr

    review = json.loads(next((home / "drill-out").glob("*-review-DRILL.json")).read_text())
    assert review["drill"] is True
    assert [a["approver"] for a in review["approvals"]] == ["drill-ciso", "drill-cfo"]
    targets = [a for a in review["accounts"] if a["account"] in MEMBERS[:2]]
    assert len(targets) == 2
    assert all(
        a["revocation"] and a["revocation"]["policy"] == "AWSRevokeOlderSessions" for a in targets
    )
    flagged = {e["name"]: e["high_risk"] for e in review["events"] if e["high_risk"]}
    assert flagged["LeaveOrganization"] == "denied call"
    assert flagged["AttachRolePolicy"] == "write to IAM"
    rotation = next(s for s in review["steps"] if s["step"].startswith("rotate:"))
    assert rotation["evidence"]["path"] == "direct"
    verified = next(s for s in review["steps"] if s["step"].startswith("verify.user:"))
    assert verified["evidence"]["verified"] is True

    # The autopilot writes the PDF too (issue 19, item 4): ≤ 10 A4 pages, the summary first.
    pages = pdf_pages(next(out_dir.glob("*-review-DRILL.pdf")).read_bytes())
    assert 2 <= len(pages) <= 10
    assert "Summary" in pages[0] and "Time to access" in pages[0] and "Findings" in pages[0]
    assert "Security key (fido2)" in pages[0] and "SSH signature (ssh)" in pages[0]
    assert review["journal"]["final_hash"] in pages[0]

    assert len(secrets) > 20
    assert not (home / ".aws").exists() and not (home / ".vault-token").exists()
    for path in (p for p in home.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.suffix == ".pdf":  # its text is glyph ids in compressed streams: read it
            data += "\n".join(pdf_pages(data)).encode()
        for secret in secrets:
            assert secret.encode() not in data, f"a drill secret was written to {path}"


def test_a_failing_step_is_named_and_the_exit_status_is_1(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from breakglass_gui.core.secret import Secret

    monkeypatch.setattr(DrillEnvironment, "vault_credential", lambda self: Secret("wrong"))
    out = io.StringIO()
    assert run_autopilot(home / "failing", out=out) == 1
    assert "DRILL FAILED at Vault login and record: Vault rejected the login" in out.getvalue()


def test_drill_mode_opens_the_desktop_application_in_drill_mode(monkeypatch) -> None:
    """`main.py --drill` (the README's drill command) opens the GUI over the embedded drill."""
    from breakglass_gui import cli
    from breakglass_gui.ui import app

    seen = []
    monkeypatch.setattr(app, "run", lambda options: seen.append(options) or 0)
    assert cli.main(["--drill"]) == 0
    assert len(seen) == 1 and seen[0].drill


def test_the_autopilot_answers_what_a_long_incidents_ending_asks_for() -> None:
    """An ending that outlived the MFA session asks for a new code, one that outlived the
    Vault token for a new login: the autopilot gives each and carries on (issue 15.6)."""
    from breakglass_gui.core.errors import ProcedureError
    from breakglass_gui.drill.autopilot import _revoke_and_rotate

    class Proc:
        def __init__(self) -> None:
            self.asks = ["needs.vault", "needs.mfa"]
            self.done: list[str] = []

        def revoke_and_rotate(self) -> None:
            if self.asks:
                raise ProcedureError("needed", code=self.asks.pop())
            self.done.append("revoked")

        def verify_mfa(self, code: str) -> None:
            self.done.append(f"mfa {code}")

        def unlock_vault(self, credential: object) -> None:
            self.done.append("vault")

    class Env:
        def mfa_code(self) -> str:
            return "123456"

        def vault_credential(self) -> str:
            return "password"

    proc = Proc()
    _revoke_and_rotate(Env(), proc)  # type: ignore[arg-type]
    assert proc.done == ["mfa 123456", "vault", "revoked"]
    stuck = Proc()
    stuck.asks = ["procedure.other"]
    with pytest.raises(ProcedureError):
        _revoke_and_rotate(Env(), stuck)  # type: ignore[arg-type]


LOOKUP_TPS = 2  # CloudTrail LookupEvents: 2 requests per second per account and region


def test_the_autopilot_across_a_drill_organisation_finds_its_accounts_through_organizations(
    home: Path,
) -> None:
    """`drill --autopilot --accounts N` (docs/rules.md §16): the members are created in OUs,
    listed through AWS Organizations into the account snapshot, and every one of them is in
    the incident; the activity monitor keeps to LookupEvents' rate per account and region."""
    from breakglass_gui.core.account_snapshot import read_snapshot
    from breakglass_gui.core.registry import directory
    from breakglass_gui.drill.layout import member_ids

    seen: dict[str, Any] = {}

    def observe(env: DrillEnvironment, proc: Any) -> None:
        assert env.config is not None and env.gate is not None
        listing = directory(env.config)
        seen["ous"] = {a.id: a.ou_path for a in listing.accounts()}
        seen["accounts"] = tuple(proc.incident.accounts)
        seen["journaled"] = [
            e.payload for e in proc.journal.entries(proc.id) if e.kind == "directory.snapshot"
        ]
        seen["snapshot"] = read_snapshot(Path(env.config.directory.snapshot)).sha256
        seen["lookups"] = list(env.gate.lookups)

    out = io.StringIO()
    members = member_ids(7)
    assert run_autopilot(home / "org", out=out, observe=observe, accounts=7) == 0, out.getvalue()
    assert seen["accounts"] == members
    assert seen["ous"][members[0]] == "Root/Production"
    assert seen["ous"][members[1]] == "Root/Test" and seen["ous"][members[2]] == "Root/Data"
    assert seen["ous"]["123456789012"] == "Root"  # the management account (the IAM account)
    [journaled] = seen["journaled"]
    assert journaled["sha256"] == seen["snapshot"] and journaled["accounts"] == 8
    assert "7 role session(s), 0 finding(s)" in out.getvalue()
    # No account-region got more LookupEvents in any second than CloudTrail allows.
    by_place: dict[tuple[str, str], list[float]] = {}
    for at, account, region in seen["lookups"]:
        by_place.setdefault((account, region), []).append(at)
    assert {account for account, _ in by_place} >= set(members)
    for place, times in by_place.items():
        times.sort()
        for i, start in enumerate(times):
            in_second = [t for t in times[i:] if t < start + 1.0]
            assert len(in_second) <= LOOKUP_TPS, (place, times)
