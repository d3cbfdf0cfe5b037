"""`main.py audit-trail` (issue 18, item 8): CloudTrail's AssumeRoles of the break-glass role
against this journal, its anchor and the approvers' public keys. Read-only."""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from breakglass_gui import cli_help
from breakglass_gui.cli_help import EXIT_FAILED, EXIT_OK
from breakglass_gui.core.text import visible


def add_command(commands: Any) -> None:
    audit = cli_help.add_command(
        commands,
        "audit-trail",
        summary="match every break-glass role session CloudTrail recorded to an approved incident",
        description="Lists every AssumeRole of the break-glass role that CloudTrail recorded in "
        "the configured accounts, and matches each to an incident of the journal (by role "
        "session name and SourceIdentity) that has a checkpoint at the anchor and an approval "
        "bundle that verifies with the keys file. Any other session is a finding.",
        examples=["audit-trail --since 2026-11-01 --profile audit --keys keys.json"],
        exit_codes=cli_help.exit_codes("every session matched", "findings printed"),
    )
    audit.add_argument("--since", help="start date (YYYY-MM-DD); default 90 days ago")
    audit.add_argument("--profile", help="read-only AWS profile (SecurityAudit)")
    audit.add_argument("--keys", type=Path, required=True, help="the approvers' keys file")
    audit.add_argument("--journal", type=Path, help="journal file (default: the app's)")
    audit.add_argument("--anchor", help="s3://BUCKET/PREFIX or DIR (default: the config's)")


def run(args: argparse.Namespace, config: Any, sessions: Any) -> int:
    from breakglass_gui.core.anchor import anchor_at
    from breakglass_gui.core.approval_bundle import KeysFile
    from breakglass_gui.core.verify import journal_entries, verify_anchor_of

    since = (
        datetime.fromisoformat(args.since).timestamp() if args.since else time.time() - 90 * 86400
    )
    keys = KeysFile.from_json(json.loads(args.keys.read_text(encoding="utf-8")))
    from breakglass_gui.core.paths import default_journal

    journal = args.journal or default_journal()
    where = args.anchor or f"s3://{config.anchor_bucket}/{config.anchor.prefix}"
    account, region = config.log_account_id, config.log_region
    store = anchor_at(where, lambda: sessions.client("s3", account, region))
    report = verify_anchor_of(journal, store)
    return report_findings(
        config, sessions, keys, journal_entries(journal), report.matched_incidents, since
    )


def report_findings(
    config: Any, sessions: Any, keys: Any, entries: Any, anchored: set[str], since: float
) -> int:
    from breakglass_gui.core.audit_trail import evidence_from, match, role_uses
    from breakglass_gui.core.registry import directory

    listed = (a.id for a in directory(config).accounts())  # the config's, or Organizations'
    accounts = list(dict.fromkeys([config.organisation.iam_account_id, *listed]))
    regions = list(dict.fromkeys([config.organisation.region, "us-east-1"]))
    uses = role_uses(
        lambda account, region: sessions.client("cloudtrail", account, region),
        accounts,
        regions,
        config.role.name,
        since,
    )
    findings = match(uses, evidence_from(entries, anchored, keys))
    bad = [f for f in findings if f.problem]
    for f in findings:
        u = f.use
        status = "FINDING" if f.problem else "matched"
        line = f"{status:8} {u.time}  {u.account}  {u.session_name}  {u.source_identity or '-'}"
        print(visible(line + (f"  — {f.problem}" if f.problem else "")))
    print(f"{len(findings)} role session(s), {len(bad)} finding(s)")
    return EXIT_FAILED if bad else EXIT_OK
