"""What a notification channel is, and what it is built from.

A channel publishes one notice and returns its outcome (`sent`, `attempts`, and `message_id` or
`error`); it never raises for a delivery failure, because a notice must never block the
procedure (docs/security-model.md, "Notifications"). Channels are listed once, in
core/registry.py (`NOTIFICATION_CHANNELS`), and chosen by `notifications.channels`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from breakglass_gui.core.clock import Clock
    from breakglass_gui.core.config.model import Config


@dataclass(frozen=True)
class ChannelContext:
    """What a channel may use: the config, the clock, the retry backoff and AWS clients with
    the incident's role sessions (`client(service, account, region)`)."""

    config: Config
    clock: Clock
    backoff: tuple[float, ...]
    client: Callable[[str, str, str], Any]


class Channel(Protocol):
    name: str
    degraded: bool  # the last notice failed on this channel

    def publish(self, subject: str, message: dict[str, Any]) -> dict[str, Any]: ...
