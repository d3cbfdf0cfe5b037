"""SNS notifications retry with backoff, then degrade; they never stop the procedure."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import EndpointConnectionError

from breakglass_gui.core.notifications.sns import SnsChannel
from tests.fakes.clock import ManualClock


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
    outcome = SnsChannel("arn:aws:sns:eu-west-1:1:t", lambda: sns, clock).publish("s", {"a": 1})
    assert outcome == {"sent": True, "message_id": "m-1", "attempts": 3}
    assert clock.now() == 3.0  # waited 1 s then 2 s


def test_persistent_failure_degrades_with_the_reason() -> None:
    notifier = SnsChannel(
        "arn:aws:sns:eu-west-1:1:t", lambda: FlakySns(failures=99), ManualClock(0)
    )
    outcome = notifier.publish("s", {})
    assert outcome["sent"] is False and outcome["attempts"] == 4
    assert notifier.degraded
    assert "cannot be reached" in outcome["error"]


def test_the_subject_is_what_sns_accepts_under_100_characters_without_control_characters() -> None:
    """SNS Publish: "less than 100 characters long", no line breaks or control characters; a
    subject carrying account names (config strings) could otherwise lose the notification."""
    from breakglass_gui.core.notifications.sns import SUBJECT_MAX, sns_subject

    assert SUBJECT_MAX == 99
    assert sns_subject("x" * 99) == "x" * 99
    assert sns_subject("x" * 100) == "x" * 96 + "..."
    assert len(sns_subject("BG-20300101-ABCD " + "payments-prod, " * 20)) == 99
    assert sns_subject("line one\nline two\r\tend") == "line one line two end"
    assert sns_subject("evil\u202egnp.exe\x00\x1b[2J") == "evil gnp.exe [2J"
    assert sns_subject("Zahlungen\u00a0Konto") == "Zahlungen Konto"
    sns = FlakySns(failures=0)
    SnsChannel("arn:aws:sns:eu-west-1:1:t", lambda: sns, ManualClock(0)).publish("a\nb" * 60, {})
    (sent,) = sns.published
    assert len(sent["Subject"]) == 99 and "\n" not in sent["Subject"]
