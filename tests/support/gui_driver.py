"""Drives the real widgets through a drill the way an operator would: typing into the fields
and clicking the buttons, reading the codes from the drill panel's source.

Used by the GUI end-to-end tests (with qtbot's wait), the crash-recovery test's subprocess,
the screenshot script and the heartbeat benchmark. It never calls the procedure directly."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QLineEdit, QPlainTextEdit, QWidget

from breakglass_gui.drill.layout import MEMBERS
from breakglass_gui.ui.controller import Controller
from breakglass_gui.ui.pages.base import Page
from breakglass_gui.ui.window import MainWindow

Wait = Callable[..., Any]


def process_wait(condition: Callable[[], bool], timeout: int = 20_000) -> None:
    """qtbot.waitUntil's equivalent outside pytest: process events until `condition` holds."""
    deadline = time.monotonic() + timeout / 1000
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the GUI did not reach the expected state in time")
        # A nested event loop for 5 ms: timers fire, and (unlike QTest.qWait, which keeps
        # the GIL while it sleeps) the workers run meanwhile.
        loop = QEventLoop()
        QTimer.singleShot(5, loop.quit)
        loop.exec()


class ScriptedPrompts:
    """Answers the app's questions without modal dialogs; records what was asked."""

    def __init__(
        self, folder: Path | None = None, reason: str = "Drill: aborted on purpose."
    ) -> None:
        self.asked: list[str] = []
        self.answer = True
        self.folder = folder
        self.reason = reason

    def confirm(self, parent: QWidget, title: str, text: str) -> bool:
        self.asked.append(title)
        return self.answer

    def text(self, parent: QWidget, title: str, label: str) -> str | None:
        self.asked.append(title)
        return self.reason

    def open_file(self, parent: QWidget, title: str, filters: str) -> Path | None:
        self.asked.append(title)
        return None

    def directory(self, parent: QWidget, title: str, start: Path) -> Path | None:
        self.asked.append(title)
        return self.folder


class GuiDriver:
    def __init__(self, ctl: Controller, window: MainWindow, wait: Wait = process_wait) -> None:
        self.ctl = ctl
        self.window = window
        self._wait = wait

    # ----- basics -----------------------------------------------------------------------------

    def wait(self, condition: Callable[[], bool], timeout: int = 30_000) -> None:
        self._wait(condition, timeout=timeout)

    @property
    def env(self) -> Any:
        assert self.ctl.drill is not None
        return self.ctl.drill

    @property
    def current(self) -> Page:
        return self.window.current

    def page(self, name: str) -> Page:
        return self.window.pages[name]

    def wait_page(self, name: str, timeout: int = 30_000) -> Page:
        self.wait(lambda: self.current.name == name and not self.current.busy, timeout)
        return self.current

    def idle(self) -> None:
        self.wait(lambda: not self.current.busy and self.ctl.steps.pending == 0)

    def type(self, widget: QWidget, text: str) -> None:
        widget.setFocus()
        if isinstance(widget, QLineEdit):
            widget.clear()
            QTest.keyClicks(widget, text)
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(text)

    def click(self, button: QAbstractButton) -> None:
        self.wait(lambda: button.isEnabled() and button.isVisible(), timeout=10_000)
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)

    # ----- the procedure ----------------------------------------------------------------------

    def declare(self, accounts: tuple[str, ...] = MEMBERS[:2]) -> None:
        """The emergency page, with the accounts the request covers (required)."""
        page: Any = self.wait_page("emergency")
        page.type.setCurrentIndex(1)  # Outage of Active Directory
        self.type(page.justification, "Drill: AD is down and production needs an admin now.")
        self.type(page.reference, "DRILL-1")
        for account in accounts:
            page.accounts.set_checked(account)
        self.click(page.declare)
        self.wait_page("approvals")

    def approve(self, role: str, answer: str | None = None) -> None:
        """What the approver gives: the security key's PIN, typed; or their ssh signature of
        the request text, pasted (the drill panel's button makes it as they would)."""
        page: Any = self.wait_page("approvals")
        signoff = page.signoffs[role]
        approver = str(signoff.approver.currentData())
        request = self.ctl.request_being_signed()
        answer = answer or self.env.approver_response(approver, request)
        if signoff.response == "signature":
            signoff.signature.setFocus()
            signoff.signature.setPlainText(answer)
        else:
            self.type(signoff.code, answer)
        self.click(signoff.sign)
        self.idle()

    def unseal(self) -> None:
        page: Any = self.wait_page("vault")
        for index, share in enumerate(self.env.unseal_keys[: self.env.threshold]):
            self.wait(lambda: page.unseal.isVisible() and not page.busy)
            self.type(page.holder, f"Key holder {index + 1}")
            self.type(page.share, share)
            self.click(page.submit_share)
            self.idle()

    def unlock(self, password: str | None = None) -> None:
        page: Any = self.wait_page("vault")
        self.type(page.credential, password or self.env.vault_password.reveal())
        self.click(page.unlock)
        self.idle()

    def mfa(self, code: str | None = None) -> None:
        page: Any = self.wait_page("mfa")
        self.type(page.code, code or self.env.mfa_code())
        self.click(page.verify)
        self.idle()

    def choose_accounts(self, accounts: tuple[str, ...]) -> None:
        page: Any = self.wait_page("accounts")
        for account in accounts:
            page.picker.set_checked(account)
        self.click(page.go)
        self.idle()

    def session(self) -> Any:
        return self.wait_page("session")

    def open_console(self, account: str) -> None:
        page: Any = self.session()
        self.click(page.rows[account].open)
        self.idle()

    def copy_url(self, account: str) -> None:
        page: Any = self.session()
        self.click(page.rows[account].copy)
        self.idle()

    def wait_activity(self, at_least: int = 1, timeout: int = 30_000) -> int:
        page: Any = self.session()
        model = page.panel.model

        def seen() -> bool:
            if model.rowCount() < at_least:
                page.poll()
                return False
            return True

        self.wait(seen, timeout)
        return int(model.rowCount())

    def end_session(self) -> None:
        page: Any = self.session()
        self.click(page.end_button)

    def wait_rotated(self, timeout: int = 60_000) -> None:
        """Revoke and rotate done: the result stays on screen; the operator continues."""
        page: Any = self.page("ending")
        self.wait(
            lambda: (
                self.current.name == "review" or (self.current is page and page.proceed.isVisible())
            ),
            timeout,
        )
        if self.current is page:
            self.click(page.proceed)
        self.wait_page("review", timeout)

    def export_review(self, folder: Path) -> list[str]:
        page: Any = self.wait_page("review")
        self.type(page.findings, "Drill: access worked; see the alarm finding.")
        self.type(page.lessons, "Keep the MFA device charged.")
        page.folder.setText(str(folder))
        self.click(page.export)
        self.idle()
        return sorted(p.name for p in folder.iterdir())

    def close_incident(self) -> None:
        page: Any = self.wait_page("review")
        self.click(page.close_button)
        self.wait_page("done")

    def to_session(self, accounts: tuple[str, ...]) -> None:
        """Declare → approvals → unseal → Vault → MFA → accounts, as in a real emergency."""
        self.declare(accounts)
        self.approve("primary")
        self.approve("secondary")
        if self.env.sealed:
            self.unseal()
        self.unlock()
        self.mfa()
        self.choose_accounts(accounts)
        self.session()
