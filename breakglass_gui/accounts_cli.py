"""`main.py accounts sync` (docs/rules.md §16): the organisation's accounts, read from AWS
Organizations ahead of an emergency and kept in a local snapshot the wizard reads."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from breakglass_gui import cli_help
from breakglass_gui.cli_help import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from breakglass_gui.core.text import visible


def add_command(commands: Any) -> None:
    accounts = cli_help.add_command(
        commands,
        "accounts",
        summary="sync the account snapshot from AWS Organizations (accounts sync)",
        description="Reads every account of the organisation (id, name, status, OU path, tags) "
        "through the management account or a delegated administrator and writes the local "
        "snapshot the account page lists (mode 0600). Run it regularly: readiness fails when "
        "the snapshot is older than [directory] max_age_days.",
        examples=["accounts sync --profile org-read"],
        exit_codes=cli_help.exit_codes("written", "Organizations refused or failed"),
    )
    accounts.add_argument("action", choices=["sync"])
    accounts.add_argument("--profile", help="AWS profile of the management or delegated account")
    accounts.add_argument(
        "--out", type=Path, help="where to write (default: [directory] snapshot, else data dir)"
    )


def run(args: argparse.Namespace, config: Any, sessions: Any) -> int:
    from datetime import UTC, datetime

    from breakglass_gui.core.account_snapshot import write_snapshot
    from breakglass_gui.core.aws.organizations import OrganizationsError, read_organization
    from breakglass_gui.core.directory import snapshot_path

    home = config.organisation.iam_account_id
    try:
        caller = sessions.client("sts", home).get_caller_identity()["Arn"]
        snapshot = read_organization(
            sessions.client("organizations", home), lambda: datetime.now(UTC), caller
        )
    except OrganizationsError as exc:
        print(visible(exc.message), file=sys.stderr)
        return EXIT_FAILED
    path = args.out or snapshot_path(config)
    try:
        written = write_snapshot(snapshot, path)
    except OSError as exc:
        print(visible(f"{path}: cannot be written ({exc.strerror or exc})"), file=sys.stderr)
        return EXIT_USAGE
    active = sum(1 for a in written.accounts if a.status == "ACTIVE")
    print(
        visible(
            f"{path}: {len(written.accounts)} accounts ({active} active) of "
            f"{written.organization_id}, sha256 {written.sha256}"
        )
    )
    return EXIT_OK
