"""SNS notifications retry with backoff, then degrade; they never stop the procedure."""

from __future__ import annotations

from typing import Any

import pytest
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


# ----- notices of access opened come after what the operator asked for (docs/rules.md §13) -----


def test_open_console_on_a_lapsed_session_hands_the_url_over_before_the_notice(
    make_world: Any, monkeypatch: Any
) -> None:
    """Open console is AssumeRole and getSigninToken away from the browser: the new session's
    notice is journaled as owed before the console (nothing is lost) and published after the
    URL was handed over, its outcome under the same notice id."""
    from breakglass_gui.core.incident import State
    from tests.fakes.world import TARGETS

    world = make_world()
    proc = world.drive(world.declare(), State.ACTIVE)
    order: list[str] = []
    publish, browser_open = SnsChannel.publish, world.browser.open

    def published(self: SnsChannel, title: str, message: dict[str, Any]) -> dict[str, Any]:
        order.append(f"publish {message['event']}")
        return publish(self, title, message)

    def opened(url: Any) -> None:
        order.append("browser")
        browser_open(url)

    monkeypatch.setattr(SnsChannel, "publish", published)
    monkeypatch.setattr(world.browser, "open", opened)
    proc.forget_session(TARGETS[0])  # lapsed
    before = max(e.seq for e in world.journal.entries(proc.id))
    proc.open_console(TARGETS[0])
    assert order == ["browser", "publish session"]
    entries = [e for e in world.journal.entries(proc.id) if e.seq > before]
    kinds = [e.kind for e in entries]
    assert kinds.index("session.issued") < kinds.index("notification.queued")
    assert kinds.index("notification.queued") < kinds.index("console.opened")
    assert kinds.index("console.opened") < kinds.index("notification.sent")
    queued = next(e for e in entries if e.kind == "notification.queued")
    sent = [e for e in entries if e.kind == "notification.sent"]
    assert [e.payload["notice"] for e in sent] == [queued.payload["notice"]]
    assert sent[0].payload["account"] == TARGETS[0] and "resent" not in sent[0].payload
    assert proc.incident.queued_notices == {}
    # The message carries the chain hash of the moment it was sent, after the console.
    assert world.journal.head()[0] > queued.seq


def test_a_console_for_an_account_not_chosen_is_refused_even_without_a_session(
    make_world: Any,
) -> None:
    from breakglass_gui.core.errors import ProcedureError
    from breakglass_gui.core.incident import State
    from tests.fakes.world import IAM_ACCOUNT

    world = make_world()
    proc = world.drive(world.declare(), State.ACTIVE)
    # A service session (the app's, not the operator's), and an account nobody chose: neither
    # gets a console, and no session is opened on the way to saying so.
    for account in (IAM_ACCOUNT, "999999999999"):
        had = set(proc.sessions)
        with pytest.raises(ProcedureError, match="only for the accounts you chose"):
            proc.open_console(account)
        assert set(proc.sessions) == had
    assert world.browser.opened == []


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
    try:
        proc.activate(TARGETS)
    except _Killed:
        pass
    else:
        raise AssertionError("the notice was not sent")
    [queued] = [e for e in world.journal.entries(proc.id) if e.kind == "notification.queued"]
    assert proc.state is State.ACTIVE and queued.payload["event"] == "activated"
    # A review written now lists the owed notice as not sent, and the summary counts it.
    from breakglass_gui.core.review.data import build_review
    from breakglass_gui.core.review.summary import findings

    review = build_review(proc)
    [owed] = [n for n in review["notifications"] if n["event"] == "activated"]
    assert owed["sent"] is False and owed["channel"] == "sns"
    assert any("could not be sent" in f for f in findings(review))
    monkeypatch.setattr(SnsChannel, "publish", publish)
    world.relaunch()
    again = Procedure.resume(world.deps(), proc.id)
    assert queued.payload["notice"] in again.incident.queued_notices  # still owed
    world.drive(again)  # recovery: sessions again, revoke, rotate, review, close
    resent = [
        e
        for e in world.journal.entries(proc.id)
        if e.kind == "notification.sent" and e.payload.get("notice") == queued.payload["notice"]
    ]
    assert len(resent) == 1 and resent[0].payload["resent"] is True
    assert resent[0].payload["event"] == "activated"
    ended = next(
        e
        for e in world.journal.entries(proc.id)
        if e.kind == "notification.sent" and e.payload["event"] != "activated"
    )
    assert resent[0].seq < ended.seq  # owed notices go out before the ending's


def test_a_notice_owed_on_a_channel_no_longer_configured_is_said_as_failed(
    make_world: Any,
) -> None:
    from breakglass_gui.core.incident import State

    world = make_world()
    proc = world.drive(world.declare(), State.ACTIVE)
    proc.parts.recorder.log(
        "notification.queued",
        {"notice": "n-1", "event": "session", "subject": "s", "extra": {},
         "channels": ["sns", "pager"]},
    )  # fmt: skip
    assert proc.parts.announcer.deliver_owed() == 1
    outcomes = {
        e.payload["channel"]: e.kind
        for e in world.journal.entries(proc.id)
        if e.kind in ("notification.sent", "notification.failed")
        and e.payload.get("notice") == "n-1"
    }
    assert outcomes == {"sns": "notification.sent", "pager": "notification.failed"}
    assert proc.incident.queued_notices == {}
