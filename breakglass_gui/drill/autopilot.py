"""`main.py drill --autopilot --out DIR` (docs/rules.md §10): a whole drill, headless, no human
input.

Declare, two approvals, (unseal,) Vault login, MFA, two accounts, console URLs fetched (not
opened), activity observed, revoke and rotate, review written, journal copied to DIR. Prints
each step's time and exits non-zero if any step fails.

`--accounts N`: the drill organisation (drill/organisation.py) with N member accounts in OUs,
listed through Organizations, and the incident across all of them (console URLs for two).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from breakglass_gui.core.anchor import DirAnchor, S3Anchor, copy_anchor, verify_anchor
from breakglass_gui.core.approval_bundle import KeysFile, keys_file, verify_bundle
from breakglass_gui.core.clock import SystemClock
from breakglass_gui.core.config.model import EmergencyType
from breakglass_gui.core.deps import Deps
from breakglass_gui.core.errors import BreakGlassError, ProcedureError
from breakglass_gui.core.incident import State
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.procedure import Procedure
from breakglass_gui.core.review.export import RENDERERS, atomic_write
from breakglass_gui.core.text import visible
from breakglass_gui.core.verify import verify_anchor_of, verify_file
from breakglass_gui.drill.environment import DrillEnvironment
from breakglass_gui.drill.layout import MEMBERS, member_ids
from breakglass_gui.drill.remote import RemoteDrill

ACTIVITY_WAIT_SECONDS = 5.0
OPERATOR = "drill-operator"
APPROVERS = (("primary", "drill-ciso"), ("secondary", "drill-cfo"))


class StepFailedError(Exception):
    def __init__(self, step: str, message: str) -> None:
        super().__init__(f"{step}: {message}")


class Timings:
    """Runs named steps, prints each one's time, turns a BreakGlassError into a failed step."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.rows: list[tuple[str, float]] = []

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        except BreakGlassError as exc:
            raise StepFailedError(name, exc.message) from None
        elapsed = time.perf_counter() - started
        self.rows.append((name, elapsed))
        print(f"  {name:<36} {elapsed * 1000:8.0f} ms", file=self.out, flush=True)


def declare(
    deps: Deps,
    reference: str,
    justification: str,
    emergency: EmergencyType = EmergencyType.AD_OUTAGE,
    accounts: tuple[str, ...] = MEMBERS[:2],
) -> Procedure:
    """A drill incident declared by the drill's operator for an hour (the autopilot, the
    benchmarks and the drill tests all start here)."""
    return Procedure.declare(
        deps,
        emergency_type=emergency.value,
        operator=OPERATOR,
        duration_seconds=3600,
        reference=reference,
        justification=justification,
        accounts=accounts,
    )


def to_access(
    env: DrillEnvironment | RemoteDrill, proc: Procedure, t: Timings | None = None
) -> None:
    """Both approvals, unseal, Vault, MFA: a declared drill incident to MFA_VERIFIED, as the
    people of a real emergency would (also the benchmarks' way there). The drill's OpenBao
    starts sealed; three key holders unseal it (a test may have unsealed it already)."""
    t = t or Timings(io.StringIO())
    for role, approver in APPROVERS:
        with t.step(f"approval ({role})"):
            answer = env.approver_response(approver, proc.approval_request())
            proc.approve(role, approver, answer)  # type: ignore[arg-type]
    if env.sealed:
        with t.step("unseal Vault (3 of 5 shares)"):
            for index, share in enumerate(env.unseal_shares()):
                proc.submit_unseal_share(share, holder=f"share-holder-{index + 1}")
    with t.step("Vault login and record"):
        proc.unlock_vault(env.vault_credential())
    with t.step("MFA (GetSessionToken)"):
        proc.verify_mfa(env.mfa_code(proc.incident.vault_user))


def _session(env: DrillEnvironment, proc: Procedure, t: Timings) -> None:
    targets = tuple(proc.incident.request.accounts)
    with t.step(f"accounts (AssumeRole ×{len(targets)} + service)"):
        activated = time.time()
        proc.activate(targets)
    for account in targets[:2]:
        with t.step(f"console URL {account}"):
            proc.console_url(account).wipe()  # fetched, not opened
    with t.step("activity observed"):
        assert env.simulator is not None and env.config is not None
        env.simulator.simulate(
            incident=proc.id,
            operator=proc.incident.source_identity,  # what AWS records: the proven identity
            role_name=env.config.role.name,
            user=proc.incident.vault_user,
            iam_account=env.config.organisation.iam_account_id,
            accounts=list(targets),
            since=activated,
        )
        deadline = time.monotonic() + ACTIVITY_WAIT_SECONDS
        while not proc.activity.poll() and len(proc.activity.events) == 0:
            if time.monotonic() > deadline:
                raise BreakGlassError("no CloudTrail activity was observed")
            time.sleep(0.2)


def _revoke_and_rotate(env: DrillEnvironment, proc: Procedure) -> None:
    """What the operator does when a long incident outlived the sessions: unlock Vault again
    or enter a new MFA code when the ending asks for it, then carry on."""
    for _ in range(3):
        try:
            proc.revoke_and_rotate()
            return
        except ProcedureError as exc:
            if exc.code == "needs.mfa":
                proc.verify_mfa(env.mfa_code())
            elif exc.code == "needs.vault":
                proc.unlock_vault(env.vault_credential())
            else:
                raise
    proc.revoke_and_rotate()


def _ending(env: DrillEnvironment, proc: Procedure, t: Timings, out_dir: Path) -> list[Path]:
    with t.step("end session"):
        proc.end_session()
    with t.step("revoke and rotate"):
        _revoke_and_rotate(env, proc)
    with t.step("review (HTML, Markdown, JSON, PDF)"):
        written = proc.write_review(
            out_dir,
            findings="Drill completed by the autopilot.",
            lessons="None: automated drill.",
            formats=tuple(RENDERERS),
        )
    with t.step("close"):
        proc.close()
    return written


def audit_trail(
    env: DrillEnvironment, proc: Procedure, out_dir: Path, anchor: DirAnchor, out: TextIO
) -> int:
    """`main.py audit-trail` against the drill world: every AssumeRole CloudTrail (the drill's
    LookupEvents) recorded, matched to this journal, its anchor copy and the drill's keys."""
    from breakglass_gui.audit_cli import report_findings

    assert env.config is not None and env.admin is not None
    keys = KeysFile.from_json(json.loads((out_dir / "approver-keys-DRILL.json").read_text()))
    entries = proc.journal.entries()
    anchored = verify_anchor(entries, anchor.versions(), proc.journal.id).matched_incidents
    since = time.time() - 3600
    with contextlib.redirect_stdout(out):
        return report_findings(env.config, env.admin, keys, entries, anchored, since)


def _copy_anchor(env: DrillEnvironment, out_dir: Path) -> DirAnchor:
    """The drill's checkpoints, every version, from its bucket to DIR/anchor (the bucket goes
    when the drill stops; the copy is what an auditor of the drill checks)."""
    assert env.config is not None and env.admin is not None
    admin, config = env.admin, env.config
    bucket = S3Anchor(
        lambda: admin.client("s3", config.log_account_id, config.log_region),
        config.anchor_bucket,
        config.anchor.prefix,
    )
    target = DirAnchor(out_dir / "anchor")
    if target.root.exists():
        shutil.rmtree(target.root)
    copy_anchor(bucket, target)
    return target


def _check_approvals(proc: Procedure, out_dir: Path) -> Path:
    """The drill approvers' keys file beside the bundle (the drill's keys are public), and the
    offline check an auditor would run: `main.py verify-approvals BUNDLE --keys KEYS`."""
    data = keys_file(proc.config.approvers, proc.config.operators, proc.deps.approvals.keys())
    path = out_dir / "approver-keys-DRILL.json"
    atomic_write(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))
    bundle_path = out_dir / f"{proc.id}-approvals-DRILL.json"
    bundle = json.loads(bundle_path.read_text(encoding="utf-8"))
    problems = verify_bundle(bundle, KeysFile.from_json(data))
    if problems:
        raise StepFailedError("verify approvals", "; ".join(problems))
    return path


def out_dir_problem(out_dir: Path) -> str | None:
    """Why `--out` is refused, or None (it is then a directory of ours, created if need be).

    A symbolic link at `--out` (or a directory of someone else's) would let whoever planted it
    choose where the journal and the review land; files inside are written by rename, which
    never follows a link (core/review/export.py `atomic_write`)."""
    if out_dir.is_symlink():
        return f"--out {out_dir} is a symbolic link; give the real directory"
    try:
        out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = os.lstat(out_dir)
    except OSError as exc:
        return f"--out {out_dir} cannot be created ({exc.strerror or exc})"
    if not stat.S_ISDIR(info.st_mode):
        return f"--out {out_dir} is not a directory"
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return f"--out {out_dir} belongs to another user"
    return None


def run_autopilot(
    out_dir: Path,
    *,
    out: TextIO | None = None,
    observe: Callable[[DrillEnvironment, Procedure], None] | None = None,
    accounts: int | None = None,
) -> int:
    """Run one complete drill; returns the process exit status.

    `observe` (tests) sees the environment and the incident before the environment stops.
    `accounts`: a drill organisation with that many member accounts, all in the incident.
    """
    stream = out or sys.stdout
    refusal = out_dir_problem(out_dir)
    if refusal:
        print(f"DRILL REFUSED: {visible(refusal)}", file=sys.stderr)
        return 2
    t = Timings(stream)
    started = time.perf_counter()
    print("DRILL — autopilot (simulated AWS and MFA, a drill OpenBao, on 127.0.0.1)", file=stream)
    workdir = Path(tempfile.mkdtemp(prefix="breakglass-drill-"))
    env = DrillEnvironment(members=accounts, organisation=True) if accounts else DrillEnvironment()
    targets = member_ids(accounts) if accounts else MEMBERS[:2]
    journal = Journal(workdir / "journal.sqlite3", SystemClock())
    try:
        with t.step("start drill environment"):
            env.start()
        with t.step("declare"):
            proc = declare(
                env.deps(journal),
                "DRILL",
                "Quarterly break-glass drill (autopilot): AD outage scenario.",
                accounts=targets,
            )
        to_access(env, proc, t)
        _session(env, proc, t)
        written = _ending(env, proc, t, out_dir)
        written.append(_check_approvals(proc, out_dir))
        anchor = _copy_anchor(env, out_dir)
        with t.step("audit-trail (CloudTrail vs the journal)"):
            if audit_trail(env, proc, out_dir, anchor, stream) != 0:
                raise StepFailedError("audit-trail", "a role session without an approval")
        if observe is not None:
            observe(env, proc)
        journal.close()
        copy = out_dir / "journal.sqlite3"
        atomic_write(copy, (workdir / "journal.sqlite3").read_bytes())  # never through a link
        result = verify_file(copy)
        if not result.ok or proc.state is not State.CLOSED:
            raise StepFailedError("verify journal", result.describe())
        report = verify_anchor_of(copy, anchor)  # `main.py verify JOURNAL --anchor DIR/anchor`
        if not report.ok:
            raise StepFailedError("verify anchor", report.describe())
    except StepFailedError as exc:
        print(f"DRILL FAILED at {exc}", file=stream)
        return 1
    finally:
        journal.close()
        env.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    total = time.perf_counter() - started
    print(f"  {'total':<36} {total * 1000:8.0f} ms", file=stream)
    print(
        f"DRILL PASSED: {proc.id}, {len(proc.activity.events)} events; review: "
        + ", ".join(p.name for p in written)
        + f"; {copy.name}: {result.describe()}",
        file=stream,
    )
    return 0
