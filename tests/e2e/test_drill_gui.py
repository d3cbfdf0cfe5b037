"""The desktop application through a whole drill, driven through its real widgets (docs/rules.md
§2–§5): typing into the fields and clicking the buttons an operator would, against the embedded
drill."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtGui import QGuiApplication

from breakglass_gui.core.incident import State
from breakglass_gui.core.verify import verify_file
from breakglass_gui.drill.layout import MEMBERS
from breakglass_gui.ui.models.activity import EVENT_ROLE
from breakglass_gui.ui.widgets.clipboard import HINTS


def _wrong_code(right: str, *also_right: str) -> str:
    """A 6-digit code that is none of the device's codes in the accepted window."""
    taken = {right, *also_right}
    candidate = int(right)
    while f"{candidate:06d}" in taken:
        candidate = (candidate + 111_111) % 1_000_000
    return f"{candidate:06d}"


def test_a_complete_drill_through_the_real_widgets(gui, tmp_path: Path) -> None:
    d = gui()
    d.declare()
    approvals = d.page("approvals")
    assert d.ctl.procedure.incident.request.short_digest in approvals.summary.text()
    assert "Drill CISO" in approvals.roster.text() and "Drill CFO" in approvals.roster.text()
    d.approve("primary")
    assert "Signed by drill-ciso" in approvals.signoffs["primary"].status.text()
    d.approve("secondary")

    vault = d.wait_page("vault")
    d.wait(vault.unseal.isVisible)
    assert "sealed" in vault.health.text()
    assert (vault.seal_progress.value(), vault.seal_progress.maximum()) == (0, 3)
    d.unseal()
    assert not vault.unseal.isVisible()
    d.unlock()

    mfa = d.wait_page("mfa")
    assert "break-glass-user" in mfa.identity.text() and "arn:aws:iam::" in mfa.identity.text()
    d.mfa()
    d.choose_accounts(MEMBERS[:2])

    session = d.session()
    assert set(MEMBERS[:2]) <= set(session.rows)
    assert "left" in session.rows[MEMBERS[0]].left.text()
    d.open_console(MEMBERS[0])
    assert d.ctl.deps.browser.opened == 1  # the drill browser reached the console redirect
    d.copy_url(MEMBERS[1])
    data = QGuiApplication.clipboard().mimeData()
    assert data.text().startswith("https://127.0.0.1:")
    assert all(data.hasFormat(mime) for mime in HINTS if "windows" not in mime)
    assert d.ctl.clipboard.holds_ours

    rows = d.wait_activity(at_least=5)
    panel = session.panel
    assert rows == len(d.ctl.procedure.activity.events)
    risky = next(
        r
        for r in range(panel.proxy.rowCount())
        if panel.proxy.data(panel.proxy.index(r, 0), EVENT_ROLE).high_risk
    )
    panel.table.selectRow(risky)
    assert '"eventName"' in panel.detail.toPlainText()
    panel.filter.setText("iam.amazonaws.com")
    assert 0 < panel.proxy.rowCount() < rows
    assert "Last checked" in panel.fresh.text()

    d.end_session()
    d.wait_rotated()
    statuses = d.page("ending").statuses()
    assert statuses and set(statuses.values()) == {"done"}, statuses
    d.ctl.clipboard.clear()  # what the 20 s timer and quitting do
    assert QGuiApplication.clipboard().text() == ""

    written = d.export_review(tmp_path / "reviews")
    stem = f"{d.ctl.procedure.id}-review-DRILL"
    bundle = f"{d.ctl.procedure.id}-approvals-DRILL.json"  # beside the review (issue 18)
    assert written == sorted([bundle, *(f"{stem}{s}" for s in (".html", ".json", ".md", ".pdf"))])
    pdf = (tmp_path / "reviews" / f"{stem}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    d.close_incident()
    assert d.ctl.procedure.state is State.CLOSED
    # One chain hash (issue 19, item 3): the closed screen shows the one the review ends on.
    final = json.loads((tmp_path / "reviews" / f"{stem}.json").read_text())["journal"]
    assert final["final_hash"] in d.page("done").summary.text()
    assert f"{stem}.json" in d.page("done").verify_note.text()

    result = verify_file(d.ctl.options.journal_path(drill=True))
    assert result.ok, result.describe()
    result = verify_file(tmp_path / "reviews" / f"{stem}.json")
    assert result.ok, result.describe()


def _to_mfa(d) -> None:
    d.declare()
    d.approve("primary")
    d.approve("secondary")
    d.unseal()
    d.unlock()
    d.wait_page("mfa")


def test_a_wrong_mfa_code_is_explained_next_to_the_code_field(gui) -> None:
    d = gui()
    _to_mfa(d)
    env = d.env
    import time

    codes = [env.mfa_code(at=time.time() + delta) for delta in (-30, 0, 30)]
    d.mfa(_wrong_code(*codes))
    mfa = d.wait_page("mfa")
    assert "AWS rejected the MFA code" in mfa.field_error("code")
    assert d.ctl.procedure.state is State.VAULT_UNLOCKED


def test_a_reused_mfa_code_is_refused_by_aws_and_then_by_the_app(gui) -> None:
    d = gui()
    _to_mfa(d)
    env = d.env
    code = env.mfa_code()
    assert env.use_mfa_code("break-glass-user", code)  # someone already used it at AWS
    d.mfa(code)
    mfa = d.wait_page("mfa")
    assert "AWS rejected the MFA code" in mfa.field_error("code")
    d.mfa(code)  # typed again: the app itself refuses to send it twice
    assert "already sent to AWS" in mfa.field_error("code")


def test_an_approver_is_locked_out_after_three_wrong_pins(gui) -> None:
    d = gui()
    d.declare()
    approvals = d.page("approvals")
    for _ in range(3):
        d.approve("primary", "0000")  # the drill key's PIN is 2468
    d.approve("primary")  # even the right PIN is refused now
    message = approvals.field_error("primary.code")
    assert "locked out" in message, message
    assert "Not signed" in approvals.signoffs["primary"].status.text()
    assert d.ctl.procedure.state is State.DECLARED


def test_a_sealed_vault_is_shown_and_login_refused_until_unsealed(gui) -> None:
    d = gui()
    d.declare()
    d.approve("primary")
    d.approve("secondary")
    vault = d.wait_page("vault")
    d.wait(vault.unseal.isVisible)
    assert "sealed" in vault.health.text()
    d.unlock()
    assert "sealed" in vault.error.text().lower(), vault.error.text()
    assert d.current.name == "vault"
    d.unseal()
    d.unlock()
    d.wait_page("mfa")


def test_widening_the_request_while_access_is_open_asks_both_approvers_again(gui) -> None:
    """Issue 18, item 5: an account outside what was signed needs a new pair of signatures;
    the approvals page comes back with access still open, then the session page."""
    from breakglass_gui.drill.layout import MEMBERS

    d = gui()
    d.to_session(MEMBERS[:2])
    d.ctl.options.prompts.reason = MEMBERS[2]  # the account id typed into the prompt
    d.click(d.session().widen_button)
    approvals = d.wait_page("approvals")
    assert MEMBERS[2] in approvals.summary.text()
    assert approvals.abort_button.isHidden()  # access is open: it is ended, not aborted
    d.approve("primary")
    d.approve("secondary")
    d.wait_page("session")
    p = d.ctl.procedure
    assert p.state is State.ACTIVE and MEMBERS[2] in p.incident.request.accounts
    assert any(e.kind == "approval.reapproved" for e in p.journal.entries(p.id))
