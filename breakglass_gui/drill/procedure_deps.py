"""The procedure's dependencies pointed at a drill world, in this process or in the drill's
own (drill/remote.py): the app's side of a drill. The world's process never imports this."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from breakglass_gui.core.aws.clients import ClientFactory
from breakglass_gui.core.aws.console import ConsoleSignIn, FederationEndpoint
from breakglass_gui.core.clock import Clock, SystemClock
from breakglass_gui.core.config import Config
from breakglass_gui.core.deps import Deps
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.network import Network
from breakglass_gui.core.registry import vault_gateway
from breakglass_gui.core.secret import Secret
from breakglass_gui.core.vault import VaultGateway
from breakglass_gui.drill.approver_devices import DrillKeys
from breakglass_gui.drill.layout import REGION

log = logging.getLogger(__name__)


class DrillSecrets:
    """TOTP secrets in memory, never in the OS keyring (a drill configured for `totp`)."""

    def __init__(self) -> None:
        self._values: dict[str, Secret] = {}

    def check(self) -> None:
        pass  # memory can always hold them

    def get(self, approver_id: str) -> Secret | None:
        return self._values.get(approver_id)

    def set(self, approver_id: str, secret: Secret) -> None:
        self._values[approver_id] = secret


def drill_deps(
    config: Config,
    journal: Journal,
    *,
    endpoint: str,
    federation_url: str,
    approver_keys: DrillKeys,
    clock: Clock | None = None,
    browser: Any = None,
) -> Deps:
    """The procedure's dependencies pointed at a drill world (in this process or another)."""
    network = Network.of(config.network)
    factory = ClientFactory(endpoint_url=endpoint, max_attempts=2, network=network)
    vault_factory: Callable[[], VaultGateway] = lambda: vault_gateway(  # noqa: E731
        config.vault, network=network
    )
    deps = Deps(
        config=config,
        journal=journal,
        clock=clock or SystemClock(),
        aws=factory,
        vault=vault_factory,
        totp_secrets=DrillSecrets(),  # the drill's approvers sign; no TOTP secret anywhere
        security_key=approver_keys,
        console=ConsoleSignIn(
            FederationEndpoint("aws", REGION, override=federation_url), fetch=network.fetch
        ),
        network=network,
        drill=True,
        notify_backoff=(0.2, 0.4),
    )
    if browser is not None:
        deps.browser = browser
    for problem in approver_keys.enrol(deps):
        log.warning("drill approver key not enrolled: %s", problem)
    return deps
