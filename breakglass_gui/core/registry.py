"""The registries of the composition root: every kind of every seam is listed here, once.

Adding a kind (docs/architecture.md, "Seams") is one module and one line below; a test
(tests/core/test_registry.py) fails if a kind's name is listed anywhere else in the app. The
config names kinds as plain strings; `config_problems` checks each name against these tables and
asks the chosen kind what it requires of the config.

A kind is listed by where it is defined and imported when it is first chosen: checking a config
and building the procedure's dependencies import the chosen kinds only, not every channel,
auth method and approval method with what they import (docs/rules.md §13, cold start: this
module imported every kind, ~45 ms before the first page could paint). tests/core/test_registry.py
loads every listed kind from the module it names.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from breakglass_gui.core.errors import ConfigError

if TYPE_CHECKING:
    from breakglass_gui.core.approval_methods import ApprovalContext, ApprovalMethod
    from breakglass_gui.core.approvals import ApprovalDesk
    from breakglass_gui.core.config.model import Config, VaultConfig
    from breakglass_gui.core.directory import AccountDirectory, ConfigDirectory, SnapshotDirectory
    from breakglass_gui.core.journal import Journal
    from breakglass_gui.core.mfa_modes import MfaMode
    from breakglass_gui.core.notifications.channel import Channel, ChannelContext
    from breakglass_gui.core.vault import VaultGateway
    from breakglass_gui.core.vault_auth import AuthMethod

T = TypeVar("T")


@dataclass(frozen=True)
class Kind(Generic[T]):
    """One registered kind: `module:attribute` (the attribute may be dotted, a classmethod)."""

    where: str

    def load(self) -> T:
        module, _, attribute = self.where.partition(":")
        found: Any = importlib.import_module(module)
        for part in attribute.split("."):
            found = getattr(found, part)
        return found  # type: ignore[no-any-return]


# ----- the registries ----------------------------------------------------------------------

NOTIFICATION_CHANNELS: Mapping[str, Kind[Callable[[ChannelContext], Channel]]] = {
    "sns": Kind("breakglass_gui.core.notifications.sns:SnsChannel.build"),
    "syslog": Kind("breakglass_gui.core.notifications.syslog:SyslogChannel.build"),
}
VAULT_AUTH_METHODS: Mapping[str, Kind[type[AuthMethod]]] = {
    "userpass": Kind("breakglass_gui.core.vault_auth:Userpass"),
    "token": Kind("breakglass_gui.core.vault_auth:TokenAuth"),
    "approle": Kind("breakglass_gui.core.vault_auth:AppRole"),
    "ldap": Kind("breakglass_gui.core.vault_auth:Ldap"),
    "cert": Kind("breakglass_gui.core.vault_auth:CertAuth"),
}
APPROVAL_METHODS: Mapping[str, Kind[Callable[[ApprovalContext], ApprovalMethod]]] = {
    "ssh": Kind("breakglass_gui.core.approval_methods:SshMethod"),
    "fido2": Kind("breakglass_gui.core.approval_methods:Fido2Method"),
    "totp": Kind("breakglass_gui.core.approval_methods:TotpMethod"),
}
# Where the config lists none: the methods an auditor can check offline.
SIGNED_APPROVALS = ("ssh", "fido2")
ACCOUNT_DIRECTORIES: Mapping[str, Kind[type[ConfigDirectory | SnapshotDirectory]]] = {
    "config": Kind("breakglass_gui.core.directory:ConfigDirectory"),
    "organizations": Kind("breakglass_gui.core.directory:SnapshotDirectory"),
}
MFA_MODES: Mapping[str, Kind[type[MfaMode]]] = {
    "session": Kind("breakglass_gui.core.mfa_modes:SessionMfa"),
    "direct": Kind("breakglass_gui.core.mfa_modes:DirectMfa"),
}

# ----- choosing -----------------------------------------------------------------------------


def vault_auth(config: VaultConfig) -> AuthMethod:
    return VAULT_AUTH_METHODS[config.auth_method].load()()


def vault_gateway(config: VaultConfig, **kwargs: Any) -> VaultGateway:
    """A gateway that logs in with the configured method."""
    from breakglass_gui.core.vault import VaultGateway

    return VaultGateway(config, vault_auth(config), **kwargs)


def approval_methods(config: Config) -> tuple[str, ...]:
    return config.approvals.methods or SIGNED_APPROVALS


def accepts_codes(config: Config) -> bool:
    """Whether approvers may still be enrolled with authenticator codes (the `totp` method,
    which a configuration must list explicitly)."""
    return "totp" in approval_methods(config)


def approval_desk(context: ApprovalContext, journal: Journal) -> ApprovalDesk:
    """The desk with the methods the config allows, in its order."""
    from breakglass_gui.core.approvals import ApprovalDesk

    names = approval_methods(context.config)
    methods = {name: APPROVAL_METHODS[name].load()(context) for name in names}
    return ApprovalDesk(context.config, journal, context.clock, methods)


def mfa_mode(config: Config) -> MfaMode:
    return MFA_MODES[config.session.mfa_mode].load()()


def directory(config: Config) -> AccountDirectory:
    return ACCOUNT_DIRECTORIES[config.directory.source].load()(config)


def channels(context: ChannelContext) -> list[Channel]:
    return [
        NOTIFICATION_CHANNELS[name].load()(context)
        for name in context.config.notifications.channels
    ]


# ----- checking a config --------------------------------------------------------------------


def config_problems(config: Config) -> list[str]:
    """Every kind the config names must be registered; each chosen kind's own requirements."""
    problems: list[str] = []

    def known(key: str, name: str, table: Mapping[str, Any], what: str) -> bool:
        if name in table:
            return True
        problems.append(f'{key}: "{name}" is not one of {", ".join(table)}')
        return False

    vault = config.vault
    if known("vault.auth_method", vault.auth_method, VAULT_AUTH_METHODS, "a Vault auth method"):
        from breakglass_gui.core.vault_auth import missing_settings

        for key, problem in missing_settings(vault_auth(vault), vault):
            problems.append(f"vault.{key}: {problem}")
    if known("session.mfa_mode", config.session.mfa_mode, MFA_MODES, "an MFA mode"):
        problems.extend(f"{k}: {p}" for k, p in mfa_mode(config).config_problems(config))
    source = config.directory.source
    if known("directory.source", source, ACCOUNT_DIRECTORIES, "an account directory"):
        chosen = ACCOUNT_DIRECTORIES[source].load()
        problems.extend(f"{k}: {p}" for k, p in chosen.config_problems(config))
    for i, name in enumerate(config.notifications.channels):
        known(f"notifications.channels[{i}]", name, NOTIFICATION_CHANNELS, "a notification channel")
    for i, name in enumerate(config.approvals.methods):
        known(f"approvals.methods[{i}]", name, APPROVAL_METHODS, "an approval method")
    return problems


def checked(config: Config) -> Config:
    """The config, or ConfigError listing every problem `config_problems` finds."""
    problems = config_problems(config)
    if problems:
        raise ConfigError(problems)
    return config


def parse_checked(data: dict[str, Any]) -> Config:
    """parse_config, then the kinds the config names (core/registry.py)."""
    from breakglass_gui.core.config import parse_config

    return checked(parse_config(data))


def load_checked(path: Path) -> Config:
    """load_config, then the kinds (what the app and the CLI load a config with)."""
    from breakglass_gui.core.config import load_config

    return checked(load_config(path))
