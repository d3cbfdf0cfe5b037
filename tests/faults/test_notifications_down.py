"""Fault matrix — SNS is down (docs/rules.md §3, §12): the procedure goes on, the operator sees a
banner.

Driven through the real window over a GUI drill whose SNS `Publish` answers 503, as AWS does
when the service is unavailable; the app retries (three attempts with backoff), journals the
failure, and the session window shows the degraded-notification banner.
"""

from __future__ import annotations

from breakglass_gui.core.incident import State
from breakglass_gui.drill.layout import MEMBERS


def test_sns_down_shows_the_degraded_banner_and_access_still_opens(gui) -> None:
    d = gui()
    d.wait_page("emergency", timeout=60_000)
    d.env.outage("sns:Publish")
    d.to_session(MEMBERS[:1])
    session = d.session()
    d.wait(session.degraded.isVisible)
    text = session.degraded.text()
    assert "Notifications degraded" in text and "by phone" in text
    p = d.ctl.procedure
    assert p.state is State.ACTIVE  # the emergency is not held up by a notification
    journal = d.ctl.deps.journal
    failed = [e.payload for e in journal.entries(p.id) if e.kind == "notification.failed"]
    assert failed and failed[0]["attempts"] == 3
    # Nothing lost: SNS comes back, the session ends and the revocation notice goes out.
    d.env.outage("sns:Publish", down=False)
    d.end_session()
    d.wait_rotated()
    sent = [e.payload for e in journal.entries(p.id) if e.kind == "notification.sent"]
    assert any(n["event"] == "revoked" for n in sent)
    assert journal.verify().ok
