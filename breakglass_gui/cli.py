"""The command line of docs/rules.md §11. Bad input: one clear line on stderr, exit status 2, no
traceback.

Only the standard library is imported at start; each command imports what it needs, so that
`--version` and the GUI's cold start stay fast (docs/rules.md §13).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from breakglass_gui import __version__
from breakglass_gui.cli_help import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    HelpFormat,
    add_command,
    epilog,
    exit_codes,
    program,
)
from breakglass_gui.core.text import visible

if TYPE_CHECKING:
    from breakglass_gui.core.errors import ConfigError

MAX_DRILL_ACCOUNTS = 500  # the drill world's member ids and moto's memory stay reasonable


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        print(visible(f"{self.prog}: {message} (see --help)"), file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


class _TopParser(_Parser):
    def format_help(self) -> str:
        """The default locations at the end, computed only when help is asked for (the GUI's
        start parses the same arguments: docs/rules.md §13)."""
        return (
            f"{super().format_help()}\n"
            "default locations (XDG_CONFIG_HOME and XDG_DATA_HOME move them):\n"
            f"{_paths_text()}\n"
        )


def default_config_path() -> Path:
    from breakglass_gui.core.paths import default_config

    return default_config()


def _paths_text() -> str:
    from breakglass_gui.core.paths import listing

    places = listing()
    width = max(len(label) for label in places)
    return "\n".join(f"  {label:<{width}}  {path}" for label, path in places.items())


def _desktop_arguments(raw: Sequence[str]) -> argparse.Namespace | None:
    """The arguments, parsed as the parser would, when they are only the desktop application's
    own (`--config P`, `--drill`): building argparse's parser and its translated messages is
    ~4 ms of the cold start (docs/rules.md §13). Anything else is None: the whole parser, its
    help and its errors (tests/test_cli.py holds the two to the same result)."""
    config: Path | None = None
    drill = False
    rest = list(raw)
    while rest:
        if rest[0] == "--drill":
            drill, rest = True, rest[1:]
        elif rest[0].startswith("--config="):
            config, rest = Path(rest[0].partition("=")[2]), rest[1:]
        elif rest[0] == "--config" and len(rest) > 1 and not rest[1].startswith("-"):
            config, rest = Path(rest[1]), rest[2:]
        else:
            return None
    return argparse.Namespace(config=config, drill=drill, command=None)


def _parser() -> argparse.ArgumentParser:
    prog = program()
    parser = _TopParser(
        prog=prog,
        description="Break Glass: guided, audited emergency access to AWS. Without a command, "
        "the desktop application starts (its first-run screen when there is no configuration).",
        epilog=epilog(
            ["", "--drill", "--config /etc/breakglass/config.toml", "readiness --help"],
            exit_codes("the app or the command finished", "a check failed"),
        ),
        formatter_class=HelpFormat,
    )
    parser.add_argument("--version", action="version", version=f"breakglass {__version__}")
    parser.add_argument("--config", type=Path, metavar="P", help="configuration file (TOML)")
    parser.add_argument(
        "--drill", action="store_true", help="run against the embedded drill environment"
    )
    return _with_commands(parser)


def _with_commands(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    check = add_command(
        commands,
        "check-config",
        summary="validate a configuration file",
        description="Reads a configuration and lists every problem, one per line (nothing is "
        "contacted). Without PATH: --config, else the default configuration.",
        examples=["check-config resources/example-config.toml", "check-config"],
        exit_codes=exit_codes("valid", usage="problems listed, or the file cannot be read"),
    )
    check.add_argument("path", nargs="?", type=Path)
    verify = add_command(
        commands,
        "verify",
        summary="verify a journal or a review JSON",
        description="Recomputes the hash chain of a journal (or of the journal a review JSON "
        "carries) and names the first entry that does not hold. With --anchor, also compares "
        "it with every checkpoint written to the anchor (S3 Object Lock, or a directory): "
        "entries removed or rewritten since a checkpoint are found there.",
        examples=[
            "verify ~/.local/share/breakglass/journal.sqlite3",
            "verify BG-20261201-A1B2-review.json",
            "verify journal.sqlite3 --profile audit "
            "--anchor s3://a-tmpl-prod-s3-break-glass-anchor-111111111111/checkpoints/",
        ],
        exit_codes=exit_codes("intact", "the chain or an anchor check fails"),
        reads_config=False,
    )
    verify.add_argument("file", type=Path)
    verify.add_argument(
        "--anchor",
        metavar="s3://BUCKET/PREFIX|DIR",
        help="also check the journal against every checkpoint at the anchor",
    )
    verify.add_argument("--profile", help="AWS profile that can read the anchor bucket")
    readiness = add_command(
        commands,
        "readiness",
        summary="audit AWS and Vault against the blueprint",
        description="Checks, read-only, everything an emergency will need: the IAM users and "
        "their MFA devices, the roles and their trust, the StackSet, monitoring, the anchor "
        "bucket, Vault's records, policy and TTLs. Prints a table, one line per check.",
        examples=[
            "readiness --config /etc/breakglass/config.toml --profile security-audit",
            "readiness --drill",
        ],
        exit_codes=exit_codes("every check passes", "a check fails (listed)"),
    )
    readiness.add_argument("--profile", help="boto3 profile with read access (IAM account)")
    readiness.add_argument(
        "--drill",
        action="store_true",
        dest="against_drill",
        help="audit a freshly provisioned drill environment",
    )
    cfn = add_command(
        commands,
        "render-cfn",
        summary="write CloudFormation templates",
        description="Writes the blueprint as CloudFormation (the IAM account's users and role, "
        "the member role and its StackSet, monitoring), for review or your own pipeline.",
        examples=["render-cfn --config /etc/breakglass/config.toml --out cfn/"],
        exit_codes=exit_codes("written", "a template cannot be made"),
    )
    cfn.add_argument("--out", type=Path, required=True)
    provision = add_command(
        commands,
        "provision",
        summary="create or update the AWS resources",
        description="Creates or updates the blueprint's resources, idempotently: --plan lists "
        "what would change and changes nothing; --apply makes the changes (users before "
        "roles, since the roles' trust names the users).",
        examples=[
            "provision --plan --profile org-admin",
            "provision --apply --profile org-admin --config /etc/breakglass/config.toml",
        ],
        exit_codes=exit_codes("planned or applied", "AWS refused a step"),
    )
    mode = provision.add_mutually_exclusive_group(required=True)
    mode.add_argument("--plan", action="store_true", help="show what would change")
    mode.add_argument("--apply", action="store_true", help="make the changes")
    provision.add_argument("--profile", help="boto3 profile with admin rights (IAM account)")
    drill = add_command(
        commands,
        "drill",
        summary="a headless drill (--autopilot --out DIR), or the drill world alone (serve)",
        description="--autopilot runs the whole procedure against the embedded drill (simulated "
        "AWS, a real OpenBao, HTTPS under a CA of its own) with no human input and writes the "
        "review and journal to --out. `serve` starts the drill world alone and prints its "
        "endpoints, CA file, drill keys and unseal shares as one JSON line, for aws-cli or "
        "bao; it runs until Ctrl+C or SIGTERM.",
        examples=[
            "drill --autopilot --out /tmp/drill",
            "drill --autopilot --out /tmp/drill --accounts 25",
            "drill serve",
        ],
        exit_codes=exit_codes("every step passed", "a step failed (named)"),
        reads_config=False,
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
    add_command(
        commands,
        "paths",
        summary="print where the configuration, journal, reviews and snapshot are",
        description="Prints every default location (and the configuration in use with "
        "--config). XDG_CONFIG_HOME and XDG_DATA_HOME move them.",
        examples=["paths"],
        exit_codes=exit_codes("printed", usage=None),
    )
    from breakglass_gui import accounts_cli, approvers_cli, audit_cli

    approvers_cli.add_commands(commands)
    audit_cli.add_command(commands)
    accounts_cli.add_command(commands)
    return parser


def _paths(config: Path | None) -> int:
    print(_paths_text())
    if config is not None:
        print(f"  configuration in use: {config}")
    return EXIT_OK


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
        import botocore.session

        from breakglass_gui.core.aws.clients import with_shipped_models

        shipped = with_shipped_models(botocore.session.Session())
        return boto3.session.Session(profile_name=profile, botocore_session=shipped).client("s3")

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


def run() -> NoReturn:
    """The process's entry point (main.py, the `breakglass` script). Before the interpreter
    ends, everything alive is frozen out of the collector's reach: its final collections
    would otherwise walk moto's and botocore's objects one by one (1.2 s at the end of every
    `drill --autopilot`, docs/rules.md §13). The exit itself is the ordinary one: exit
    handlers run (the console's redirect pages are removed there) and output is flushed."""
    code = main()
    gc.freeze()
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    raw = list(sys.argv[1:] if argv is None else argv)
    if raw[:1] == ["--drill-world"]:  # the GUI drill's server process, in the packaged app
        from breakglass_gui.drill import remote

        return remote.main(raw[1:])
    args = _desktop_arguments(raw) or _parser().parse_args(raw)
    os.umask(0o077)
    from breakglass_gui.core.hardening import harden_process

    harden_process()
    if args.command == "paths":
        return _paths(args.config)
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


# The Qt-free modules the desktop start needs before its first page (the config, the journal
# and its check, the emergency page's rules, the paths), imported before Qt: PySide6 reads the
# source of every module imported after it, looking for its `__feature__` switch (PYSIDE-2029):
# ~0.1 ms a module, ~5 ms for these and the ~70 modules they bring (docs/rules.md §13; measured
# with bench/cold_start.py, which starts the app through this function too). The composition
# root (core/deps.py) and what it brings wait for that page's paint (ui/controller.py).
BEFORE_QT = (
    "breakglass_gui.core.config",
    "breakglass_gui.core.registry",
    "breakglass_gui.core.clock",
    "breakglass_gui.core.integrity",
    "breakglass_gui.core.emergency",
    "breakglass_gui.core.directory",
    "breakglass_gui.core.paths",
    "breakglass_gui.core.redact",
    "breakglass_gui.core.resources",
    "breakglass_gui.core.need",  # the controller's routing
    "breakglass_gui.core.secret",  # the clipboard's
    "breakglass_gui.core.vault_auth",  # the config's check (the registry's kinds)
    "breakglass_gui.core.mfa_modes",
)


def import_before_qt() -> None:
    for name in BEFORE_QT:
        importlib.import_module(name)


def _gui(args: argparse.Namespace) -> int:
    """`python main.py` and `python main.py --drill`: the desktop application."""
    gc.set_threshold(START_GC_THRESHOLD)
    import_before_qt()
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
