"""`main.py approvers list|enrol|remove` and `main.py verify-approvals` (issue 18, items 1–3).

`approvers` reads and changes the approver key registry in this workstation's journal (the
same rules as Administration in the app: nothing changes while an incident is open; drill keys
are refused). `verify-approvals` needs no journal and no config: the bundle and the auditor's
keys file are all it reads.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from breakglass_gui.core.errors import BreakGlassError, ConfigError
from breakglass_gui.core.text import visible

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_commands(commands: Any) -> None:
    approvers = commands.add_parser(
        "approvers",
        help="list, enrol or remove approvers' public keys",
        description="The approver key registry (chained in the journal). Examples:\n"
        "  main.py approvers list --json > keys.json\n"
        "  main.py approvers enrol cfo --ssh-key cfo.pub\n"
        "  main.py approvers enrol ciso --fido2\n"
        "  main.py approvers remove cfo\n"
        "Exit codes: 0 done, 1 refused, 2 usage or configuration error.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    approvers.add_argument("action", choices=["list", "enrol", "remove"])
    approvers.add_argument("approver", nargs="?", help="roster id (enrol, remove)")
    approvers.add_argument("--ssh-key", type=Path, help="the approver's OpenSSH public key file")
    approvers.add_argument(
        "--fido2", action="store_true", help="enrol the security key plugged in (asks its PIN)"
    )
    approvers.add_argument("--json", action="store_true", help="list as an auditor's keys file")
    approvers.add_argument("--journal", type=Path, help="journal file (default: the app's)")
    verify = commands.add_parser(
        "verify-approvals",
        help="check an approval bundle offline with the approvers' public keys",
        description="Checks both sign-offs of an exported approval bundle against a keys file "
        "(the format `approvers list --json` prints; build it from keys the approvers gave "
        "you). Example:\n  main.py verify-approvals BG-20261201-A1B2-approvals.json "
        "--keys keys.json\nExit codes: 0 both approvals hold, 1 a problem is printed, "
        "2 a file cannot be read.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument("bundle", type=Path)
    verify.add_argument("--keys", type=Path, required=True)


def verify_approvals(bundle_path: Path, keys_path: Path) -> int:
    from breakglass_gui.core.approval_bundle import KeysFile, verify_bundle

    try:
        data = json.loads(bundle_path.read_text(encoding="utf-8"))
        keys = KeysFile.from_json(json.loads(keys_path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(visible(f"verify-approvals: cannot read the files: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    problems = verify_bundle(data, keys)
    if problems:
        for problem in problems:
            print(visible(f"{bundle_path}: {problem}"), file=sys.stderr)
        return EXIT_FAILED
    roles = ", ".join(
        f"{a['role']} {a['approver']} ({a['method']} {a['fingerprint']})" for a in data["approvals"]
    )
    print(visible(f"{bundle_path}: both approvals hold — {roles}"))
    return EXIT_OK


def run(args: argparse.Namespace, load: Callable[[], Any]) -> int:
    from breakglass_gui.core.approval_bundle import keys_file
    from breakglass_gui.core.clock import SystemClock
    from breakglass_gui.core.journal import Journal
    from breakglass_gui.core.key_enrolment import KeyEnrolment
    from breakglass_gui.core.secret import Secret
    from breakglass_gui.drill.approver_devices import drill_fingerprints

    try:
        config = load()
        path = args.journal or _default_journal()
        journal = Journal(path, SystemClock())
        enrolment = KeyEnrolment(
            journal,
            rp_id=config.approvals.fido2_rp_id,
            refused_fingerprints=drill_fingerprints(),
        )
        if args.action == "list":
            keys = enrolment.keys()
            if args.json:
                data = keys_file(config.approvers, config.operators, keys)
                print(json.dumps(data, indent=2, ensure_ascii=False))
                return EXIT_OK
            for a in config.approvers:
                key = keys.get(a.id)
                what = f"{key.method} {key.fingerprint}" if key else "not enrolled"
                print(visible(f"{a.id:<16} {a.role:<9} {what}"))
            return EXIT_OK
        approver = config.approver(args.approver or "")
        if approver is None:
            print(visible(f'"{args.approver}" is not on the approver roster.'), file=sys.stderr)
            return EXIT_USAGE
        if args.action == "remove":
            enrolment.remove(approver)
            print(visible(f"{approver.id}: key removed"))
            return EXIT_OK
        if bool(args.ssh_key) == bool(args.fido2):
            print("enrol needs exactly one of --ssh-key FILE or --fido2", file=sys.stderr)
            return EXIT_USAGE
        if args.ssh_key:
            key = enrolment.ssh(approver, args.ssh_key.read_text(encoding="utf-8"))
        else:
            from breakglass_gui.core.security_key import HidSecurityKey

            pin = Secret(getpass.getpass(f"PIN of {approver.name}'s security key: "))
            key = enrolment.fido2(approver, HidSecurityKey(), pin)
        print(visible(f"{approver.id}: {key.method} key {key.fingerprint} enrolled"))
        return EXIT_OK
    except ConfigError as exc:
        for problem in exc.problems:
            print(visible(problem), file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(visible(f"approvers: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    except BreakGlassError as exc:
        print(visible(exc.message), file=sys.stderr)
        return EXIT_FAILED


def _default_journal() -> Path:
    from breakglass_gui.ui.context import data_dir

    return data_dir() / "journal.sqlite3"
