"""The composition root: everything the procedure needs from the outside world, passed in.

The kinds (notification channels, Vault auth methods, approval methods, the account directory,
the MFA mode) are listed in core/registry.py and chosen here, once, from the config.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from breakglass_gui.core import registry
from breakglass_gui.core.aws.clients import ClientFactory
from breakglass_gui.core.aws.console import ConsoleSignIn, FederationEndpoint
from breakglass_gui.core.browser import BrowserLauncher, CommandBrowser, SystemBrowser
from breakglass_gui.core.enrolment import KeyringSecretStore, TotpSecretStore
from breakglass_gui.core.network import Network
from breakglass_gui.core.security_key import HidSecurityKey, SecurityKey

if TYPE_CHECKING:
    from breakglass_gui.core.approvals import ApprovalDesk
    from breakglass_gui.core.clock import Clock
    from breakglass_gui.core.config import Config
    from breakglass_gui.core.directory import AccountDirectory
    from breakglass_gui.core.journal import Journal
    from breakglass_gui.core.mfa_modes import MfaMode
    from breakglass_gui.core.notifications.channel import Channel
    from breakglass_gui.core.vault import VaultGateway
    from breakglass_gui.core.vault_auth import AuthMethod


@dataclass
class Deps:
    config: Config
    journal: Journal
    clock: Clock
    aws: ClientFactory
    vault: Callable[[], VaultGateway]
    totp_secrets: TotpSecretStore
    console: ConsoleSignIn
    browser: BrowserLauncher = field(default_factory=SystemBrowser)
    network: Network = field(default_factory=Network)
    security_key: SecurityKey = field(default_factory=HidSecurityKey)
    drill: bool = False
    notify_backoff: tuple[float, ...] = (1.0, 2.0, 4.0)
    anchor_backoff: tuple[float, ...] = (0.5, 1.0)  # between tries of one checkpoint
    # Chosen from the registries once (after construction; a test may replace any of them).
    mfa_mode: MfaMode = field(init=False)
    directory: AccountDirectory = field(init=False)
    vault_auth: AuthMethod = field(init=False)
    # The approval desk (the `approvals` property): built when first asked for.
    desk: ApprovalDesk | None = field(default=None, init=False, repr=False)
    desk_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        registry.checked(self.config)
        self.mfa_mode = registry.mfa_mode(self.config)
        self.directory = registry.directory(self.config)
        self.vault_auth = registry.vault_auth(self.config.vault)

    @property
    def approvals(self) -> ApprovalDesk:
        """The desk with the configured approval methods, built on first use: the methods and
        their cryptography are not needed to paint the first page (the warm-up builds it on a
        worker, ui/app.py). A test may set its own."""
        with self.desk_lock:  # the warm-up's worker and a step's may ask at once
            if self.desk is None:
                from breakglass_gui.core.approval_methods import ApprovalContext

                context = ApprovalContext(
                    self.config, self.clock, self.totp_secrets, self.security_key
                )
                self.desk = registry.approval_desk(context, self.journal)
            return self.desk

    @approvals.setter
    def approvals(self, desk: ApprovalDesk) -> None:
        self.desk = desk

    def channels(self, client: Any) -> list[Channel]:
        """The configured notification channels for one incident; `client(service, account,
        region)` makes AWS clients with its role sessions."""
        from breakglass_gui.core.notifications.channel import ChannelContext

        context = ChannelContext(self.config, self.clock, self.notify_backoff, client)
        return registry.channels(context)


def production_deps(config: Config, journal: Journal, clock: Clock) -> Deps:
    """The real world: AWS through botocore, Vault over HTTPS, approver secrets in the OS
    keyring, the configured browser command (or the desktop's default browser)."""
    organisation = config.organisation
    network = Network.of(config.network)
    browser: BrowserLauncher = (
        CommandBrowser(config.session.browser_command)
        if config.session.browser_command
        else SystemBrowser()
    )
    return Deps(
        config=config,
        journal=journal,
        clock=clock,
        aws=ClientFactory(network=network),
        vault=lambda: registry.vault_gateway(config.vault, network=network),
        totp_secrets=KeyringSecretStore(),
        console=ConsoleSignIn(
            FederationEndpoint(
                organisation.partition,
                organisation.region,
                regional=config.session.regional_signin,
            ),
            fetch=network.fetch,
        ),
        browser=browser,
        network=network,
    )
