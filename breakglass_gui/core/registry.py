"""The registries of the composition root: every kind of every seam is listed here, once.

Adding a kind (docs/architecture.md, "Seams") is one module and one line below; a test
(tests/core/test_registry.py) fails if a kind's name is listed anywhere else in the app. The
config names kinds as plain strings; `config_problems` checks each name against these tables and
asks the chosen kind what it requires of the config.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from breakglass_gui.core.approval_methods import (
    ApprovalContext,
    ApprovalMethod,
    Fido2Method,
    SshMethod,
    TotpMethod,
)
from breakglass_gui.core.approvals import ApprovalDesk
from breakglass_gui.core.directory import AccountDirectory, ConfigDirectory, SnapshotDirectory
from breakglass_gui.core.errors import ConfigError
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.mfa_modes import DirectMfa, MfaMode, SessionMfa
from breakglass_gui.core.notifications.channel import Channel, ChannelContext
from breakglass_gui.core.notifications.sns import SnsChannel
from breakglass_gui.core.notifications.syslog import SyslogChannel
from breakglass_gui.core.vault import VaultGateway
from breakglass_gui.core.vault_auth import (
    AppRole,
    AuthMethod,
    CertAuth,
    Ldap,
    TokenAuth,
    Userpass,
    missing_settings,
)

if TYPE_CHECKING:
    from breakglass_gui.core.config.model import Config, VaultConfig

# ----- the registries ----------------------------------------------------------------------

NOTIFICATION_CHANNELS: Mapping[str, Callable[[ChannelContext], Channel]] = {
    "sns": SnsChannel.build,
    "syslog": SyslogChannel.build,
}
VAULT_AUTH_METHODS: Mapping[str, type[AuthMethod]] = {
    "userpass": Userpass,
    "token": TokenAuth,
    "approle": AppRole,
    "ldap": Ldap,
    "cert": CertAuth,
}
APPROVAL_METHODS: Mapping[str, Callable[[ApprovalContext], ApprovalMethod]] = {
    "ssh": SshMethod,
    "fido2": Fido2Method,
    "totp": TotpMethod,
}
# Where the config lists none: the methods an auditor can check offline.
SIGNED_APPROVALS = ("ssh", "fido2")
ACCOUNT_DIRECTORIES: Mapping[str, type[ConfigDirectory | SnapshotDirectory]] = {
    "config": ConfigDirectory,
    "organizations": SnapshotDirectory,
}
MFA_MODES: Mapping[str, type[MfaMode]] = {
    "session": SessionMfa,
    "direct": DirectMfa,
}

# ----- choosing -----------------------------------------------------------------------------


def vault_auth(config: VaultConfig) -> AuthMethod:
    return VAULT_AUTH_METHODS[config.auth_method]()


def vault_gateway(config: VaultConfig, **kwargs: Any) -> VaultGateway:
    """A gateway that logs in with the configured method."""
    return VaultGateway(config, vault_auth(config), **kwargs)


def approval_methods(config: Config) -> tuple[str, ...]:
    return config.approvals.methods or SIGNED_APPROVALS


def accepts_codes(config: Config) -> bool:
    """Whether approvers may still be enrolled with authenticator codes (the `totp` method,
    which a configuration must list explicitly)."""
    return "totp" in approval_methods(config)


def approval_desk(context: ApprovalContext, journal: Journal) -> ApprovalDesk:
    """The desk with the methods the config allows, in its order."""
    names = approval_methods(context.config)
    methods = {name: APPROVAL_METHODS[name](context) for name in names}
    return ApprovalDesk(context.config, journal, context.clock, methods)


def mfa_mode(config: Config) -> MfaMode:
    return MFA_MODES[config.session.mfa_mode]()


def directory(config: Config) -> AccountDirectory:
    return ACCOUNT_DIRECTORIES[config.directory.source](config)


def channels(context: ChannelContext) -> list[Channel]:
    return [NOTIFICATION_CHANNELS[name](context) for name in context.config.notifications.channels]


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
        for key, problem in missing_settings(vault_auth(vault), vault):
            problems.append(f"vault.{key}: {problem}")
    if known("session.mfa_mode", config.session.mfa_mode, MFA_MODES, "an MFA mode"):
        problems.extend(f"{k}: {p}" for k, p in mfa_mode(config).config_problems(config))
    source = config.directory.source
    if known("directory.source", source, ACCOUNT_DIRECTORIES, "an account directory"):
        problems.extend(f"{k}: {p}" for k, p in ACCOUNT_DIRECTORIES[source].config_problems(config))
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
