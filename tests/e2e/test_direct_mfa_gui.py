"""Direct MFA mode through the real widgets (issue 19, item 6), as test_drill_gui.py does for
session mode: no MFA session; the code goes with each AssumeRole, so the accounts are chosen
before the code, and the ending asks for a code again to open the sessions it revokes in."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from breakglass_gui.core.config import parse_config
from breakglass_gui.core.incident import State
from breakglass_gui.core.verify import verify_file
from breakglass_gui.drill import remote
from breakglass_gui.drill.layout import MEMBERS
from breakglass_gui.ui.window import STEPS


@pytest.fixture
def direct(monkeypatch: pytest.MonkeyPatch) -> None:
    """The drill's configuration in direct mode (the world is the same; the app decides)."""

    def parse(data: dict[str, Any]) -> Any:
        return parse_config({**data, "session": {**data["session"], "mfa_mode": "direct"}})

    monkeypatch.setattr(remote, "parse_config", parse)


class Codes:
    """The device's codes a person would read off it: the current one, then the next and the
    previous step's (AWS takes ±1 step, each step once); after that, wait for a new step."""

    def __init__(self, d: Any) -> None:
        self.d = d
        self.used: set[str] = set()

    def enter(self) -> str:
        while True:
            for offset in (0, 30, -30):
                code = self.d.env.mfa_code(at=time.time() + offset)
                if code not in self.used:
                    self.used.add(code)
                    self.d.mfa(code)
                    return code
            time.sleep(1)


def test_a_complete_drill_in_direct_mode(gui: Any, direct: None, tmp_path: Path) -> None:
    d = gui()
    codes = Codes(d)
    d.declare(MEMBERS[:1])
    d.approve("primary")
    d.approve("secondary")
    d.unseal()
    d.unlock()

    # The accounts come before the code: it goes with their AssumeRole.
    d.wait_page("accounts")
    labels = [d.window.steps.item(i).text() for i in range(d.window.steps.count())]
    assert labels[3:5] == ["4  Accounts", "5  MFA code"] and len(labels) == len(STEPS)
    d.choose_accounts(MEMBERS[:1])
    mfa = d.wait_page("mfa")
    assert d.ctl.procedure.mfa_mode.code_per_session
    codes.enter()
    d.idle()
    assert d.ctl.procedure.state is State.ACTIVE  # the first account's session opens access
    while d.current is mfa:  # the service account (rotation) needs its own session: a code
        assert "tmpl-iam (123456789012) (rotation)" in mfa.purpose.text()  # which, and why
        codes.enter()
        d.idle()

    session = d.session()
    assert d.ctl.procedure.state is State.ACTIVE
    assert MEMBERS[0] in session.rows and "left" in session.rows[MEMBERS[0]].left.text()
    assert "session.mfa" not in {
        e.kind for e in d.ctl.procedure.journal.entries(d.ctl.procedure.id)
    }
    d.open_console(MEMBERS[0])
    assert d.ctl.deps.browser.opened == 1
    d.wait_activity(at_least=3)

    d.end_session()
    # The ending opens a session in each account it revokes in: a code for each.
    for _ in range(10):  # a code per account it needs a session in, at most
        d.wait(lambda: not d.current.busy and d.current.name in ("mfa", "ending"), 60_000)
        if d.page("ending").proceed.isVisible():
            break
        if d.current is mfa:
            codes.enter()
        else:
            d.wait(lambda: d.current is mfa or d.page("ending").proceed.isVisible(), 60_000)
    d.wait_rotated()
    statuses = d.page("ending").statuses()
    assert statuses and set(statuses.values()) == {"done"}, statuses

    written = d.export_review(tmp_path / "reviews")
    stem = f"{d.ctl.procedure.id}-review-DRILL"
    assert f"{stem}.pdf" in written
    review = json.loads((tmp_path / "reviews" / f"{stem}.json").read_text())
    assert review["incident"]["mfa_mode"] == "direct"
    d.close_incident()
    assert d.ctl.procedure.state is State.CLOSED
    result = verify_file(d.ctl.options.journal_path(drill=True))
    assert result.ok, result.describe()
