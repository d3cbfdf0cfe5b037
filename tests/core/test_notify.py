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


# ----- notices of access opened are sent in the background (docs/rules.md §13) ----------------


def test_access_opens_without_waiting_for_the_notice_which_is_journaled_first(
    make_world: Any, monkeypatch: Any
) -> None:
    """The console is two round trips away from the operator's choice (AssumeRole,
    getSigninToken): the ACTIVE notice is journaled as queued and sent by the background
    sender, whose outcome is journaled under the same notice id."""
    import threading

    from breakglass_gui.core.incident import State
    from tests.fakes.world import TARGETS

    world = make_world()
    proc = world.drive(world.declare(), State.MFA_VERIFIED)
    released = threading.Event()
    publish = SnsChannel.publish

    def held_up(self: SnsChannel, title: str, message: dict[str, Any]) -> dict[str, Any]:
        released.wait(30)
        return publish(self, title, message)

    monkeypatch.setattr(SnsChannel, "publish", held_up)
    proc.activate(TARGETS)  # returns while SNS has not answered
    kinds = [e.kind for e in world.journal.entries(proc.id)]
    assert proc.state is State.ACTIVE and "notification.queued" in kinds
    assert "notification.sent" not in kinds[kinds.index("notification.queued") :]
    released.set()
    proc.parts.announcer.flush()
    entries = world.journal.entries(proc.id)
    queued = next(e for e in entries if e.kind == "notification.queued")
    sent = [e for e in entries if e.kind == "notification.sent" and e.seq > queued.seq]
    assert [e.payload["notice"] for e in sent] == [queued.payload["notice"]]
    assert sent[0].payload["event"] == "activated"
    assert proc.incident.queued_notices == {}
    proc.shutdown()


class _Killed(BaseException):
    """The app dies while the notice is on its way (nothing of the app's catches it)."""


def test_a_notice_the_app_died_before_sending_is_sent_by_the_next_run(
    make_world: Any, monkeypatch: Any
) -> None:
    from breakglass_gui.core.incident import State
    from breakglass_gui.core.procedure import Procedure
    from tests.fakes.world import TARGETS

    world = make_world()
    proc = world.drive(world.declare(), State.MFA_VERIFIED)
    publish = SnsChannel.publish

    def dies(self: SnsChannel, title: str, message: dict[str, Any]) -> dict[str, Any]:
        raise _Killed

    monkeypatch.setattr(SnsChannel, "publish", dies)
    proc.activate(TARGETS)
    proc.parts.announcer.flush()
    [queued] = [e for e in world.journal.entries(proc.id) if e.kind == "notification.queued"]
    assert proc.incident.queued_notices  # no outcome: still owed
    monkeypatch.setattr(SnsChannel, "publish", publish)
    world.relaunch()
    again = Procedure.resume(world.deps(), proc.id)
    assert queued.payload["notice"] in again.incident.queued_notices
    world.drive(again)  # recovery: sessions again, revoke, rotate, review, close
    resent = [
        e
        for e in world.journal.entries(proc.id)
        if e.kind == "notification.sent" and e.payload.get("notice") == queued.payload["notice"]
    ]
    assert len(resent) == 1 and resent[0].payload["resent"] is True
    assert resent[0].payload["event"] == "activated"
