"""Everything the procedure needs from the outside world, passed in (no global registry)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from breakglass_gui.core.aws.clients import ClientFactory
from breakglass_gui.core.aws.console import ConsoleSignIn, FederationEndpoint
from breakglass_gui.core.browser import BrowserLauncher, CommandBrowser, SystemBrowser
from breakglass_gui.core.clock import Clock
from breakglass_gui.core.config import Config
from breakglass_gui.core.enrolment import KeyringSecretStore, TotpSecretStore
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.network import Network
from breakglass_gui.core.vault import VaultGateway


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
    drill: bool = False
    notify_backoff: tuple[float, ...] = (1.0, 2.0, 4.0)


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
        vault=lambda: VaultGateway(config.vault, network=network),
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
