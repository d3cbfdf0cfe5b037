"""SNS notifications retry with backoff, then degrade; they never stop the procedure."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import EndpointConnectionError

from breakglass_gui.core.aws.notify import Notifier
from breakglass_gui.core.clock import ManualClock


class FlakySns:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.published: list[dict[str, Any]] = []

    def publish(self, **kwargs: Any) -> dict[str, str]:
        if self.failures:
            self.failures -= 1
            raise EndpointConnectionError(endpoint_url="https://sns")
        self.published.append(kwargs)
        return {"MessageId": "m-1"}


def test_a_transient_failure_is_retried_with_backoff() -> None:
    clock = ManualClock(0)
    sns = FlakySns(failures=2)
    outcome = Notifier("arn:aws:sns:eu-west-1:1:t", lambda: sns, clock).publish("s", {"a": 1})
    assert outcome == {"sent": True, "message_id": "m-1", "attempts": 3}
    assert clock.now() == 3.0  # waited 1 s then 2 s


def test_persistent_failure_degrades_with_the_reason() -> None:
    notifier = Notifier("arn:aws:sns:eu-west-1:1:t", lambda: FlakySns(failures=99), ManualClock(0))
    outcome = notifier.publish("s", {})
    assert outcome["sent"] is False and outcome["attempts"] == 4
    assert notifier.degraded
    assert "cannot be reached" in outcome["error"]
