"""The SNS channel: retry with backoff, then degraded mode — never a blocker
(docs/security-model.md, "Notifications").

The seed's metric-filter alarms are the authoritative alert; our messages add context and
carry the journal's chain hash off the workstation as an audit checkpoint.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Callable
from typing import Any

from breakglass_gui.core.aws.errors import classify
from breakglass_gui.core.clock import Clock
from breakglass_gui.core.errors import BreakGlassError
from breakglass_gui.core.notifications.channel import ChannelContext

log = logging.getLogger(__name__)

BACKOFF_SECONDS = (1.0, 2.0, 4.0)


class SnsChannel:
    """Publishes to the configured topic with a role session in the topic's account."""

    name = "sns"

    def __init__(
        self,
        topic_arn: str,
        client: Callable[[], Any],
        clock: Clock,
        backoff: tuple[float, ...] = BACKOFF_SECONDS,
    ) -> None:
        self.topic_arn = topic_arn
        self._client = client
        self._clock = clock
        self._backoff = backoff
        self.degraded = False
        self.last_error = ""

    def publish(self, subject: str, message: dict[str, Any]) -> dict[str, Any]:
        """Try 1 + len(backoff) times; returns the outcome, never raises for SNS failures."""
        body = json.dumps(message, indent=2, sort_keys=True)
        attempts = 0
        for wait in (*self._backoff, None):
            attempts += 1
            try:
                client = self._client()
                response = client.publish(
                    TopicArn=self.topic_arn, Subject=sns_subject(subject), Message=body
                )
                self.degraded = False
                return {
                    "sent": True,
                    "message_id": str(response.get("MessageId", "")),
                    "attempts": attempts,
                }
            except Exception as exc:
                error = exc if isinstance(exc, BreakGlassError) else classify(exc)
                self.last_error = error.message
                log.warning("SNS publish failed (attempt %d): %s", attempts, error.message)
            if wait is not None:
                self._clock.sleep(wait)
        self.degraded = True
        return {"sent": False, "error": self.last_error, "attempts": attempts}

    @classmethod
    def build(cls, context: ChannelContext) -> SnsChannel:
        topic = context.config.notifications
        return cls(
            topic.sns_topic_arn,
            lambda: context.client("sns", topic.account_id, topic.region),
            context.clock,
            context.backoff,
        )


SUBJECT_MAX = 99


def sns_subject(text: str) -> str:
    """A subject SNS accepts: "UTF-8 text with no line breaks or control characters, and less
    than 100 characters long" (SNS API reference, Publish, Subject; botocore's service model
    carries the same sentence). Anything else is refused with InvalidParameter, and the
    notification would be lost to a detail of its title."""
    plain = "".join(" " if unicodedata.category(c)[0] in "CZ" and c != " " else c for c in text)
    plain = " ".join(plain.split())
    return plain if len(plain) <= SUBJECT_MAX else plain[: SUBJECT_MAX - 3] + "..."
