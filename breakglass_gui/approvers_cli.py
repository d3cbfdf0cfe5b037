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

from breakglass_gui import cli_help
from breakglass_gui.cli_help import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from breakglass_gui.core.errors import BreakGlassError, ConfigError
from breakglass_gui.core.secret import Secret
from breakglass_gui.core.text import visible

EXIT_PREPARED = 3  # approvers: a change prepared, awaiting the approvers' signatures


def add_commands(commands: Any) -> None:
    approvers = cli_help.add_command(
        commands,
        "approvers",
        summary="list, enrol or remove approvers' public keys",
        description="The approver key registry (chained in the journal). The first approver "
        "of a role is enrolled at once; any other change is prepared as a text that an "
        "enrolled primary and secondary approver sign, then applied with their signatures.",
        examples=[
            "approvers list --json > keys.json",
            "approvers enrol ciso --fido2",
            "approvers enrol cfo --ssh-key cfo.pub",
            "approvers remove cfo --out /tmp",
            "approvers apply /tmp/C-0123456789ABCDEF.json "
            "--signed-by ciso --signed-by cfo2=C-0123456789ABCDEF.txt.sig",
        ],
        exit_codes={
            **cli_help.exit_codes("done", "refused"),
            EXIT_PREPARED: "prepared: the change needs the approvers' signatures",
        },
    )
    approvers.add_argument("action", choices=["list", "enrol", "remove", "apply"])
    approvers.add_argument(
        "approver", nargs="?", help="roster id (enrol, remove), or the prepared .json (apply)"
    )
    approvers.add_argument(
        "--signed-by",
        action="append",
        metavar="ID[=SIGFILE]",
        help="apply: an approver's ssh signature file, or (no file) their security key here",
    )
    approvers.add_argument("--out", type=Path, help="where a prepared change is written")
    approvers.add_argument("--profile", help="AWS profile for the SNS notice (default chain)")
    approvers.add_argument("--ssh-key", type=Path, help="the approver's OpenSSH public key file")
    approvers.add_argument(
        "--fido2", action="store_true", help="enrol the security key plugged in (asks its PIN)"
    )
    approvers.add_argument("--json", action="store_true", help="list as an auditor's keys file")
    approvers.add_argument("--journal", type=Path, help="journal file (default: the app's)")
    verify = cli_help.add_command(
        commands,
        "verify-approvals",
        summary="check an approval bundle offline with the approvers' public keys",
        description="Checks both sign-offs of an exported approval bundle against a keys file "
        "(the format `approvers list --json` prints; build it from keys the approvers gave "
        "you). Needs no journal and no configuration.",
        examples=["verify-approvals BG-20261201-A1B2-approvals.json --keys keys.json"],
        exit_codes=cli_help.exit_codes(
            "both approvals hold", "a problem is printed", "a file cannot be read"
        ),
        reads_config=False,
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
    try:
        config = load()
        from breakglass_gui.core.paths import default_journal

        journal_path = args.journal or default_journal()
        return _run(args, config, journal_path)
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


def _run(args: argparse.Namespace, config: Any, journal_path: Path) -> int:
    from breakglass_gui.core.approval_bundle import keys_file
    from breakglass_gui.core.clock import SystemClock
    from breakglass_gui.core.journal import Journal
    from breakglass_gui.core.registry_changes import Change

    journal = Journal(journal_path, SystemClock())
    changes, enrolment = _changes(config, journal, args.profile)
    if args.action == "list":
        keys = enrolment.keys()
        if args.json:
            print(json.dumps(keys_file(config.approvers, config.operators, keys), indent=2))
            return EXIT_OK
        for a in config.approvers:
            key = keys.get(a.id)
            what = f"{key.method} {key.fingerprint}" if key else "not enrolled"
            print(visible(f"{a.id:<16} {a.role:<9} {what}"))
        print(f"registry hash {changes.registry_hash()}")
        return EXIT_OK
    if args.action == "apply":
        return _apply(args, config, changes)
    approver = config.approver(args.approver or "")
    if approver is None:
        print(visible(f'"{args.approver}" is not on the approver roster.'), file=sys.stderr)
        return EXIT_USAGE
    if args.action == "remove":
        change = Change("remove", enrolment.current(approver))
    elif bool(args.ssh_key) == bool(args.fido2):
        print("enrol needs exactly one of --ssh-key FILE or --fido2", file=sys.stderr)
        return EXIT_USAGE
    elif args.ssh_key:
        change = Change("enrol", enrolment.ssh_key(approver, args.ssh_key.read_text()))
    else:
        from breakglass_gui.core.security_key import HidSecurityKey

        pin = Secret(getpass.getpass(f"PIN of {approver.name}'s security key: "))
        change = Change("enrol", enrolment.fido2_key(approver, HidSecurityKey(), pin))
    if not changes.needs_signatures(change):
        changes.apply(change)
        print(visible(f"{approver.id}: {change.key.method} key {change.key.fingerprint} enrolled"))
        return EXIT_OK
    signed = changes.prepare(change)
    out = args.out or Path.cwd()
    pending = {"action": change.action, "key": change.key.as_payload(), "text": signed.text}
    (out / f"{signed.request_id}.json").write_text(json.dumps(pending, indent=2) + "\n")
    (out / f"{signed.request_id}.txt").write_text(signed.text)
    print(
        visible(
            f"Prepared, not applied: this change needs a primary and a secondary approver's "
            f"signatures by {signed.not_after}.\n"
            f"  text to sign: {out / signed.request_id}.txt\n"
            f"  ssh signers:  ssh-keygen -Y sign -f KEY -n breakglass-approval "
            f"{signed.request_id}.txt\n"
            f"  then:         main.py approvers apply {out / signed.request_id}.json "
            "--signed-by ID=SIGFILE --signed-by ID (a security key, here)"
        )
    )
    return EXIT_PREPARED


def _apply(args: argparse.Namespace, config: Any, changes: Any) -> int:
    from breakglass_gui.core.approver_keys import EnrolledKey
    from breakglass_gui.core.registry_changes import Change

    if not args.approver:
        print("apply needs the prepared change's .json file", file=sys.stderr)
        return EXIT_USAGE
    pending = json.loads(Path(args.approver).read_text(encoding="utf-8"))
    change = Change(str(pending["action"]), EnrolledKey.from_payload(pending["key"]))
    signatures = []
    for item in args.signed_by or []:
        who, _, sig_file = item.partition("=")
        if sig_file:
            answer = Secret(Path(sig_file).read_text(encoding="utf-8"))
        else:
            answer = Secret(getpass.getpass(f"{who}: security key PIN (or code): "))
        signatures.append((who, answer))
    key = changes.apply(change, str(pending["text"]), signatures)
    print(visible(f"{key.approver}: {change.action} applied ({key.method} {key.fingerprint})"))
    return EXIT_OK


def _changes(config: Any, journal: Any, profile: str | None) -> tuple[Any, Any]:
    """The registry changes of this workstation, announced on every configured channel (SNS
    through `--profile`, or the default AWS credentials)."""
    from breakglass_gui.core import registry
    from breakglass_gui.core.approval_methods import ApprovalContext
    from breakglass_gui.core.clock import SystemClock
    from breakglass_gui.core.enrolment import KeyringSecretStore
    from breakglass_gui.core.key_enrolment import KeyEnrolment
    from breakglass_gui.core.notifications.channel import ChannelContext
    from breakglass_gui.core.registry_changes import RegistryChanges
    from breakglass_gui.core.security_key import HidSecurityKey
    from breakglass_gui.drill.approver_devices import drill_fingerprints

    clock = SystemClock()
    context = ApprovalContext(config, clock, KeyringSecretStore(), HidSecurityKey())
    desk = registry.approval_desk(context, journal)
    enrolment = KeyEnrolment(
        journal, rp_id=config.approvals.fido2_rp_id, refused_fingerprints=drill_fingerprints()
    )
    from breakglass_gui.admin_cli import sessions as admin_sessions

    sessions = admin_sessions(config, profile)
    channels = registry.channels(ChannelContext(config, clock, (1.0, 2.0), sessions.client))

    def notify(subject: str, message: dict[str, Any]) -> list[dict[str, Any]]:
        outcomes = []
        for channel in channels:
            outcome = {"channel": channel.name, **channel.publish(subject, message)}
            if not outcome.get("sent"):
                print(visible(f"notice not sent on {channel.name}: {outcome}"), file=sys.stderr)
            outcomes.append(outcome)
        return outcomes

    return RegistryChanges(config, journal, clock, desk, enrolment, notify), enrolment
