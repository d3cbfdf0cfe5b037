"""Everything the procedure needs from the outside world, passed in (no global registry)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from breakglass_gui.core.aws.clients import ClientFactory
from breakglass_gui.core.aws.console import BrowserLauncher, ConsoleSignIn, SystemBrowser
from breakglass_gui.core.clock import Clock
from breakglass_gui.core.config import Config
from breakglass_gui.core.enrolment import TotpSecretStore
from breakglass_gui.core.journal import Journal
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
    drill: bool = False
    notify_backoff: tuple[float, ...] = (1.0, 2.0, 4.0)
