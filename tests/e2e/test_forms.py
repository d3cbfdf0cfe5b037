"""Forms that help (issue 19, item 5), through the real widgets of a drill: a wrong answer
stands under its field and the cursor goes back there; a wrong unseal share, a wrong Vault
password and a locked-out approver each say their own thing; the deadline to sign counts down
every second; abort and an export without findings ask first; the step list is not a control.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from breakglass_gui.core.incident import State
from breakglass_gui.drill.layout import MEMBERS


def _focused(d: Any, widget: Any) -> None:
    d.window.activateWindow()
    d.wait(lambda: QApplication.focusWidget() is widget, 5_000)


def test_approver_answers_errors_stand_under_the_field_and_the_cursor_returns(
    gui: Any,
) -> None:
    d = gui()
    d.declare(MEMBERS[:1])
    page = d.wait_page("approvals")
    boxes = {r: b.mapTo(page, QPoint(0, 0)) for r, b in page.signoffs.items()}
    first = page.request_note.text()
    d.wait(lambda: page.request_note.text() != first, 3_000)  # ticks every second
    assert "sign within" in page.request_note.text()

    secondary = page.signoffs["secondary"]
    assert secondary.response == "signature"  # the drill's secondary signs with ssh
    d.approve("secondary", answer="not a signature at all")
    error = page.findChild(type(page.error), "secondary.signature-error")
    assert error.isVisible() and "not an SSH signature" in error.text()
    assert not page.error.isVisible()  # under the field, not at the page's foot
    _focused(d, secondary.signature)

    primary = page.signoffs["primary"]
    assert primary.response == "pin"
    for attempt in range(3):
        d.approve("primary", answer="1111")
        said = page.findChild(type(page.error), "primary.code-error").text()
        if attempt < 2:
            assert "locked out" not in said
    assert "locked out for 5 minutes" in said  # its own message, not "wrong PIN" again
    _focused(d, primary.code)
    d.approve("primary")  # the right answer, locked out: still refused, and why
    assert "is locked out" in page.findChild(type(page.error), "primary.code-error").text()
    assert d.ctl.procedure.state is State.DECLARED
    d.click(page.copy_text)  # a second line under the request: the boxes stay where they were
    assert "copied" in page.request_note.text()
    assert {r: b.mapTo(page, QPoint(0, 0)) for r, b in page.signoffs.items()} == boxes


def test_vault_errors_have_their_own_messages_by_their_fields(gui: Any) -> None:
    d = gui()
    d.declare(MEMBERS[:1])
    d.approve("primary")
    d.approve("secondary")
    page = d.wait_page("vault")
    d.wait(page.unseal.isVisible)
    d.type(page.holder, "Key holder 1")
    d.type(page.share, "zz-not-a-share")
    d.click(page.submit_share)
    d.idle()
    assert "not an unseal key share" in page.field_error("share")
    _focused(d, page.share)
    d.unseal()
    d.unlock(password="wrong-password")
    assert "rejected the login" in page.field_error("credential")
    assert "sealed" not in page.field_error("credential")
    _focused(d, page.credential)


def test_abort_and_an_export_without_findings_ask_first(gui: Any, tmp_path: Any) -> None:
    d = gui()
    prompts = d.ctl.options.prompts
    d.declare(MEMBERS[:1])
    page = d.wait_page("approvals")
    prompts.answer = False
    d.click(page.abort_button)
    d.idle()
    assert prompts.asked[-1] == "Abort incident"
    assert d.ctl.procedure is not None and d.ctl.procedure.state is State.DECLARED
    prompts.answer = True
    d.click(page.abort_button)
    d.wait_page("emergency")
    assert d.ctl.procedure is None
    assert not d.window.steps.isEnabled() or d.window.steps.testAttribute(
        Qt.WidgetAttribute.WA_TransparentForMouseEvents
    )  # where the procedure is, not a menu

    d.to_session(MEMBERS[:1])
    d.end_session()
    d.wait_rotated()
    review = d.wait_page("review")
    review.findings.clear()
    review.folder.setText(str(tmp_path / "out"))
    prompts.answer = False
    d.click(review.export)
    d.idle()
    assert prompts.asked[-1] == "No findings entered"
    assert not (tmp_path / "out").exists()
    _focused(d, review.findings)
