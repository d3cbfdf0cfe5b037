"""§2.4 The MFA code: from the device in the safe, sent to AWS exactly once.

Session mode: GetSessionToken. Direct mode: the code goes with the AssumeRole of the accounts
chosen on the previous page, and later one code per account that still needs a session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QLineEdit

from breakglass_gui.core.incident import State
from breakglass_gui.core.secret import Secret
from breakglass_gui.ui import theme
from breakglass_gui.ui.pages.base import Page, wrapped

if TYPE_CHECKING:
    from breakglass_gui.ui.controller import Controller

CODE = QRegularExpression(r"^\d{0,3} ?\d{0,3}$")


class MfaPage(Page):
    name = "mfa"
    title = "4 · MFA code"
    intro = (
        "Take the break-glass MFA device from the safe and type the 6-digit code it shows now. "
        "A code is sent to AWS once; if it is refused, wait for the next code."
    )

    def __init__(self, ctl: Controller) -> None:
        super().__init__(ctl)
        self.identity = wrapped()
        self.identity.setObjectName("mfa-identity")
        self.body.addWidget(self.identity)
        form = self.form()
        self.code = QLineEdit()
        self.code.setEchoMode(QLineEdit.EchoMode.Password)
        self.code.setValidator(QRegularExpressionValidator(CODE, self.code))
        self.code.setMaxLength(7)
        self.code.returnPressed.connect(self._verify)
        self.add_field(form, "code", "MFA &code", self.code)
        self.purpose = theme.note(wrapped())
        self.body.addWidget(self.purpose)
        self.body.addStretch(1)
        self.verify = self.button("&Verify code", self._verify, primary=True)

    def refresh(self) -> None:
        p = self.ctl.procedure
        assert p is not None
        record = p.record_public() or {}
        self.identity.setText(
            f"IAM user: {record.get('user', '?')}    MFA device: {record.get('mfa_serial', '?')}"
        )
        direct = p.mfa_mode.code_per_session
        target = p.code_target() if p.state is not State.VAULT_UNLOCKED else None
        if direct and target is not None:
            account, purpose = target
            label = self.ctl.account_label(account)
            self.purpose.setText(
                f"Direct mode: this code opens a session in {label} ({purpose}). Each account "
                "needs its own code; wait for the device to show a new one between accounts."
            )
        elif direct:
            chosen = ", ".join(self.ctl.account_label(a) for a in p.chosen_accounts)
            self.purpose.setText(f"Direct mode: this code assumes the role in {chosen}.")
        elif p.state in (State.ENDING, State.REVOKED, State.ACTIVE):
            self.purpose.setText(
                "A new MFA session is needed to finish: the previous one ended with the app."
            )
        else:
            self.purpose.setText("Session mode: the code opens an MFA session (GetSessionToken).")
        self.code.setFocus()

    def _verify(self) -> None:
        p = self.ctl.procedure
        assert p is not None
        typed = self.code.text().replace(" ", "")
        self.code.clear()
        if len(typed) != 6 or not typed.isdigit():
            self.show_error(None, "")
            self.error.hide()
            self._field_errors["code"].setText("Type the 6 digits the device shows.")
            self._field_errors["code"].show()
            return
        code = Secret(typed)
        direct = p.mfa_mode.code_per_session
        target = p.code_target() if p.state is not State.VAULT_UNLOCKED else None
        chosen = p.chosen_accounts

        def send() -> Any:
            try:
                if not direct:
                    return p.verify_mfa(code.reveal())
                if target is None:
                    return p.activate(chosen, code.reveal())
                return p.assume(target[0], target[1], code.reveal())
            finally:
                code.wipe()

        def done(result: Any) -> None:
            level = getattr(result, "level", "")
            if level == "warn":
                self.ctl.notice.emit("warn", result.message())
            if direct and target is None:
                self.ctl.activated(chosen)
            if direct:  # the next account may need a code: say which (the page stays)
                self.refresh()

        self.ctl.run(self, send, done, context="MFA code", busy="Sending the code to AWS…")
