"""The administrator commands of docs/rules.md §9: readiness, render-cfn, provision."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

from breakglass_gui.cli_help import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from breakglass_gui.core.errors import BreakGlassError, ConfigError
from breakglass_gui.core.text import visible


def run(args: argparse.Namespace, load: Callable[[], Any]) -> int:
    try:
        if args.command == "readiness" and args.against_drill:
            return _readiness_drill()
        config = load()
        if args.command == "render-cfn":
            return _render(config, args)
        if args.command == "provision":
            return _provision(config, args)
        return _readiness(config, args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(visible(problem), file=sys.stderr)
        return EXIT_USAGE
    except BreakGlassError as exc:
        print(visible(exc.message), file=sys.stderr)  # may quote AWS or Vault
        return EXIT_FAILED


def audit(config: Any, profile: str | None, credential: Any | None = None) -> list[Any]:
    """The §9 readiness table against live AWS (also the GUI's readiness view)."""
    from breakglass_gui.core.aws.blueprint import build_blueprint
    from breakglass_gui.core.aws.readiness import Readiness
    from breakglass_gui.core.network import Network
    from breakglass_gui.core.registry import vault_gateway
    from breakglass_gui.core.vault_checks import vault_checks

    gateway = vault_gateway(config.vault, network=Network.of(config.network))
    probe = vault_checks(gateway, config.vault.users, credential)
    checks = Readiness(build_blueprint(config), sessions(config, profile), probe).run()
    return [*checks, approval_check(config), *directory_checks(config)]


def directory_checks(config: Any, now: Any = None) -> list[Any]:
    """The account snapshot's row (docs/rules.md §16), when accounts come from Organizations:
    it fails when the snapshot is missing, malformed or older than max_age_days."""
    from datetime import UTC, datetime

    from breakglass_gui.core.aws.checks import Check
    from breakglass_gui.core.registry import directory

    listing = directory(config)
    fix = "run `main.py accounts sync` (from the management or a delegated-admin account)"
    try:
        age = listing.age_seconds(now or datetime.now(UTC))
    except ConfigError as exc:
        return [Check("account snapshot", "-", False, exc.problems[0], fix)]
    if age is None:
        return []  # the config's own list
    limit = config.directory.max_age_days * 86400
    if age > limit:
        reason = (
            f"synced {age / 86400:.1f} days ago, older than {config.directory.max_age_days} days: "
            "accounts created or moved since are missing or in the wrong OU"
        )
        return [Check("account snapshot", "-", False, reason, fix)]
    return [Check(f"account snapshot ({len(listing.accounts())} accounts)", "-", True)]


def approval_check(config: Any) -> Any:
    """The readiness row for the approval methods: authenticator codes are a warning that
    fails the audit (issue 18, item 1), signatures pass."""
    from breakglass_gui.core.aws.checks import Check
    from breakglass_gui.core.registry import accepts_codes, approval_methods

    methods = ", ".join(approval_methods(config))
    if accepts_codes(config):
        return Check(
            f"approval methods ({methods})",
            "-",
            False,
            "authenticator codes (totp) are accepted: anyone who can read this workstation's "
            "keyring can produce them, and an auditor cannot check them afterwards",
            "remove totp from [approvals] methods once every approver has an ssh or security key",
        )
    return Check(f"approval methods ({methods})", "-", True)


def sessions(config: Any, profile: str | None) -> Any:
    from breakglass_gui.core.aws.admin import ProfileSessions
    from breakglass_gui.core.network import Network

    return ProfileSessions.from_profile(
        profile,
        home_account=config.organisation.iam_account_id,
        member_role=config.provisioning.member_role,
        partition=config.organisation.partition,
        region=config.organisation.region,
        network=Network.of(config.network),  # a profile's ca_bundle or proxy never applies
    )


def _render(config: Any, args: argparse.Namespace) -> int:
    from breakglass_gui.core.aws.blueprint import build_blueprint
    from breakglass_gui.core.aws.cfn import render

    for path in render(build_blueprint(config), args.out):
        print(path)
    return EXIT_OK


def _provision(config: Any, args: argparse.Namespace) -> int:
    from breakglass_gui.core.aws.blueprint import build_blueprint
    from breakglass_gui.core.aws.provision import Provisioner

    provisioner = Provisioner(build_blueprint(config), sessions(config, args.profile))
    changes = provisioner.apply() if args.apply else provisioner.plan()
    for change in changes:
        print(change.describe())
    verb = "applied" if args.apply else "planned"
    print(
        f"{len(changes)} change(s) {verb}" if changes else "no changes: AWS matches the blueprint"
    )
    return EXIT_OK


def _print(checks: list[Any]) -> int:
    from breakglass_gui.core.aws.checks import render_table

    print(render_table(checks))
    return EXIT_OK if all(c.ok for c in checks) else EXIT_FAILED


def _readiness(config: Any, args: argparse.Namespace) -> int:
    from breakglass_gui.core.secret import Secret

    credential = None
    if sys.stdin.isatty():
        typed = getpass.getpass(
            f"Vault {config.vault.auth_method} credential (empty to skip the record check): "
        )
        credential = Secret(typed) if typed else None
    return _print(audit(config, args.profile, credential))


def _readiness_drill() -> int:
    from breakglass_gui.core.aws.blueprint import build_blueprint
    from breakglass_gui.core.aws.readiness import Readiness
    from breakglass_gui.core.registry import vault_gateway
    from breakglass_gui.core.vault_checks import vault_checks
    from breakglass_gui.drill.environment import DrillEnvironment

    with DrillEnvironment() as env:
        assert env.config is not None and env.admin is not None
        env.unseal()  # a freshly provisioned organisation's key holders have unsealed it
        probe = vault_checks(
            vault_gateway(env.config.vault),
            env.config.vault.users,
            env.vault_credential(),
        )
        print("DRILL — readiness of a freshly provisioned drill environment")
        return _print(Readiness(build_blueprint(env.config), env.admin, probe).run())
