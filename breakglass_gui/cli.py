"""The command line of docs/rules.md §11. Bad input: one clear line on stderr, exit status 2, no
traceback.

Only the standard library is imported at start; each command imports what it needs, so that
`--version` and the GUI's cold start stay fast (docs/rules.md §13).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from breakglass_gui import __version__
from breakglass_gui.core.text import visible

if TYPE_CHECKING:
    from breakglass_gui.core.errors import ConfigError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
MAX_DRILL_ACCOUNTS = 500  # the drill world's member ids and moto's memory stay reasonable


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        print(visible(f"{self.prog}: {message} (see --help)"), file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def default_config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("breakglass", appauthor=False)) / "config.toml"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="breakglass", description="Break Glass: emergency access to AWS.")
    parser.add_argument("--version", action="version", version=f"breakglass {__version__}")
    parser.add_argument("--config", type=Path, help="configuration file (TOML)")
    parser.add_argument(
        "--drill", action="store_true", help="run against the embedded drill environment"
    )
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    check = commands.add_parser("check-config", help="validate a configuration file")
    check.add_argument("path", nargs="?", type=Path)
    verify = commands.add_parser("verify", help="verify a journal or a review JSON")
    verify.add_argument("file", type=Path)
    verify.add_argument(
        "--anchor",
        metavar="s3://BUCKET/PREFIX|DIR",
        help="also check the journal against every checkpoint at the anchor",
    )
    verify.add_argument("--profile", help="AWS profile that can read the anchor bucket")
    readiness = commands.add_parser("readiness", help="audit AWS and Vault against the blueprint")
    readiness.add_argument("--profile", help="boto3 profile with read access (IAM account)")
    readiness.add_argument(
        "--drill",
        action="store_true",
        dest="against_drill",
        help="audit a freshly provisioned drill environment",
    )
    cfn = commands.add_parser("render-cfn", help="write CloudFormation templates")
    cfn.add_argument("--out", type=Path, required=True)
    provision = commands.add_parser("provision", help="create or update the AWS resources")
    mode = provision.add_mutually_exclusive_group(required=True)
    mode.add_argument("--plan", action="store_true", help="show what would change")
    mode.add_argument("--apply", action="store_true", help="make the changes")
    provision.add_argument("--profile", help="boto3 profile with admin rights (IAM account)")
    drill = commands.add_parser(
        "drill",
        help="run a drill against the embedded environment (--autopilot --out DIR), "
        "or serve the drill world alone (serve)",
    )
    drill.add_argument(
        "action",
        nargs="?",
        choices=["serve"],
        help="serve: start the drill world alone, print its endpoints and CA as one JSON line, "
        "run until SIGINT/SIGTERM",
    )
    drill.add_argument(
        "--autopilot",
        action="store_true",
        help="run the whole procedure headless, with no human input",
    )
    drill.add_argument("--out", type=Path, help="where the review and journal go")
    drill.add_argument(
        "--accounts",
        type=int,
        metavar="N",
        help="autopilot: a drill organisation with N member accounts (1-500) in OUs, listed "
        "through AWS Organizations, and the incident across all of them",
    )
    from breakglass_gui import accounts_cli, approvers_cli, audit_cli

    approvers_cli.add_commands(commands)
    audit_cli.add_command(commands)
    accounts_cli.add_command(commands)
    return parser


def _config_problems(exc: ConfigError) -> int:
    """Every problem of a configuration on stderr, one per line; the usage exit status."""
    for problem in exc.problems:
        print(visible(problem), file=sys.stderr)
    return EXIT_USAGE


def _config(args: argparse.Namespace) -> object:
    """The configuration for admin commands; a problem raises ConfigError (printed, exit 2)."""
    from breakglass_gui.core.registry import load_checked

    return load_checked(args.config or default_config_path())


def _check_config(path: Path | None) -> int:
    from breakglass_gui.core.errors import ConfigError
    from breakglass_gui.core.registry import load_checked

    target = path or default_config_path()
    try:
        config = load_checked(target)
    except ConfigError as exc:
        return _config_problems(exc)
    listed = (
        f"{len(config.accounts)} accounts"
        if config.accounts
        else f"accounts from the {config.directory.source} snapshot"
    )
    print(
        f"{target}: valid ({listed}, {len(config.operators)} operators, "
        f"{len(config.approvers)} approvers, MFA mode {config.session.mfa_mode})"
    )
    return EXIT_OK


def _verify(file: Path) -> int:
    from breakglass_gui.core.verify import UnreadableFileError, verify_file

    try:
        result = verify_file(file)
    except UnreadableFileError as exc:
        print(visible(exc), file=sys.stderr)
        return EXIT_USAGE
    if result.ok:
        print(visible(f"{file}: {result.describe()}"))
        return EXIT_OK
    print(visible(f"{file}: {result.describe()}"), file=sys.stderr)
    return EXIT_FAILED


def _verify_anchor(file: Path, where: str, profile: str | None) -> int:
    from breakglass_gui.core.anchor import anchor_at
    from breakglass_gui.core.verify import UnreadableFileError, verify_anchor_of

    def s3() -> object:
        import boto3

        return boto3.session.Session(profile_name=profile).client("s3")

    store = anchor_at(where, s3)
    try:
        report = verify_anchor_of(file, store)
    except UnreadableFileError as exc:
        print(visible(exc), file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # the bucket cannot be read: say so, never "intact"
        print(visible(f"{where}: cannot be read ({type(exc).__name__}: {exc})"), file=sys.stderr)
        return EXIT_USAGE
    for line in report.flagged:
        print(visible(f"{where}: flagged: {line}"))
    if report.ok:
        print(visible(f"{where}: {report.describe()}"))
        return EXIT_OK
    for problem in report.problems or [report.describe()]:
        print(visible(f"{where}: {problem}"), file=sys.stderr)
    return EXIT_FAILED


def _audit_trail(args: argparse.Namespace) -> int:
    from breakglass_gui import admin_cli, audit_cli
    from breakglass_gui.core.errors import BreakGlassError, ConfigError

    try:
        config = _config(args)
        return audit_cli.run(args, config, admin_cli.sessions(config, args.profile))
    except ConfigError as exc:
        return _config_problems(exc)
    except (OSError, ValueError) as exc:
        print(visible(f"audit-trail: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    except BreakGlassError as exc:
        print(visible(exc.message), file=sys.stderr)
        return EXIT_FAILED


def _accounts(args: argparse.Namespace) -> int:
    from breakglass_gui import accounts_cli, admin_cli
    from breakglass_gui.core.errors import ConfigError

    try:
        config = _config(args)
    except ConfigError as exc:
        return _config_problems(exc)
    return accounts_cli.run(args, config, admin_cli.sessions(config, args.profile))


def _drill(args: argparse.Namespace) -> int:
    if args.action == "serve":
        if args.autopilot or args.out or args.accounts:
            _parser().error("drill serve takes no --autopilot, --out or --accounts")
        from breakglass_gui.drill.serve import serve

        return serve(sys.stdout)
    if not (args.autopilot and args.out):
        _parser().error("drill needs --autopilot --out DIR, or serve")
    if args.accounts is not None and not 1 <= args.accounts <= MAX_DRILL_ACCOUNTS:
        _parser().error(f"--accounts must be 1-{MAX_DRILL_ACCOUNTS}")
    from breakglass_gui.drill.autopilot import run_autopilot

    return int(run_autopilot(args.out, accounts=args.accounts))


def main(argv: Sequence[str] | None = None) -> int:
    raw = list(sys.argv[1:] if argv is None else argv)
    if raw[:1] == ["--drill-world"]:  # the GUI drill's server process, in the packaged app
        from breakglass_gui.drill import remote

        return remote.main(raw[1:])
    args = _parser().parse_args(raw)
    os.umask(0o077)
    from breakglass_gui.core.hardening import harden_process

    harden_process()
    if args.command == "check-config":
        return _check_config(args.path or args.config)
    if args.command == "verify":
        code = _verify(args.file)
        if code == EXIT_OK and args.anchor:
            return _verify_anchor(args.file, args.anchor, args.profile)
        return code
    if args.command in ("readiness", "render-cfn", "provision"):
        from breakglass_gui import admin_cli

        return admin_cli.run(args, lambda: _config(args))
    if args.command == "drill":
        return _drill(args)
    if args.command == "audit-trail":
        return _audit_trail(args)
    if args.command == "accounts":
        return _accounts(args)
    if args.command in ("approvers", "verify-approvals"):
        from breakglass_gui import approvers_cli

        if args.command == "verify-approvals":
            return approvers_cli.verify_approvals(args.bundle, args.keys)
        return approvers_cli.run(args, lambda: _config(args))
    return _gui(args)


# The start-up allocates a great deal and frees almost nothing: at Python's default threshold
# (700) the cyclic collector would walk the growing heap some fifty times before the first page
# is painted, ~10 ms of the 0.35 s budget (docs/rules.md §13). Until then it runs rarely; once the
# page is up, the controller collects once, freezes what exists and sets the session's thresholds
# (Controller._settle).
START_GC_THRESHOLD = 50_000


def _gui(args: argparse.Namespace) -> int:
    """`python main.py` and `python main.py --drill`: the desktop application."""
    gc.set_threshold(START_GC_THRESHOLD)
    from breakglass_gui.ui.system_libraries import problem

    missing = problem()
    if missing:  # one line instead of Qt's screenful (ui/system_libraries.py)
        print(missing, file=sys.stderr)
        return EXIT_USAGE
    try:
        from breakglass_gui.ui.app import run
        from breakglass_gui.ui.context import AppOptions
    except ImportError as exc:  # e.g. Qt's system libraries missing on a server
        print(visible(f"breakglass: the desktop application cannot start: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    options = AppOptions(config_path=args.config or default_config_path(), drill=args.drill)
    return run(options)
