"""Approver enrolment (docs/rules.md §2.2): a new TOTP secret shown as a QR code and an otpauth URI,
stored in the OS keyring only after the approver types one correct code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from breakglass_gui.core.errors import BreakGlassError
from breakglass_gui.ui.tab_order import chain_order, follow
from breakglass_gui.ui.text import plain_label

if TYPE_CHECKING:
    from breakglass_gui.core.enrolment import PendingEnrolment
    from breakglass_gui.ui.controller import Controller


def qr_pixmap(uri: str, scale: int = 6) -> QPixmap:
    """The QR code drawn in memory (PNG bytes never touch the disk)."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="png", scale=scale, border=2)
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap


class EnrolmentDialog(QDialog):
    def __init__(self, ctl: Controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctl = ctl
        self.setWindowTitle("Enrol an approver")
        self.pending: PendingEnrolment | None = None
        layout = QVBoxLayout(self)
        intro = plain_label(
            "The approver scans the QR code with their authenticator app (or types the URI), "
            "then enters the code it shows. The secret is stored in this workstation's OS "
            "keyring only after that code is correct."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.approver = QComboBox()
        self.approver.setAccessibleName("Approver")
        for approver in ctl.config.approvers:
            self.approver.addItem(f"{approver.name} ({approver.role})", approver.id)
        caption = plain_label("&Approver")
        caption.setBuddy(self.approver)
        form.addRow(caption, self.approver)
        self.start = QPushButton("&Generate a new secret")
        self.start.clicked.connect(self._start)
        form.addRow("", self.start)
        layout.addLayout(form)
        self.qr = plain_label()
        self.qr.setObjectName("enrolment-qr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.qr)
        self.uri = QLineEdit()
        self.uri.setReadOnly(True)
        self.uri.setAccessibleName("otpauth URI")
        layout.addWidget(self.uri)
        code_form = QFormLayout()
        self.code = QLineEdit()
        self.code.setEchoMode(QLineEdit.EchoMode.Password)
        self.code.setAccessibleName("Confirmation code")
        code_caption = plain_label("Confirmation co&de")
        code_caption.setBuddy(self.code)
        code_form.addRow(code_caption, self.code)
        layout.addLayout(code_form)
        self.message = plain_label()
        self.message.setObjectName("enrolment-message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.confirm = buttons.addButton(
            "C&onfirm and store", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.confirm.clicked.connect(self._confirm)
        self.confirm.setEnabled(False)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("&Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        follow(chain_order(self))  # the button box's own order, not creation order
        self._say_if_codes_are_refused()

    def _say_if_codes_are_refused(self) -> None:
        """Signed approvals only: say so before anyone types anything (core/enrolment.py
        refuses all the same)."""
        from breakglass_gui.core.registry import accepts_codes

        if self.ctl.deps is not None and not accepts_codes(self.ctl.deps.config):
            self.start.setEnabled(False)
            self.message.setText(
                "This configuration accepts signed approvals only. Enrol an approver's ssh key "
                "or security key from the command line: main.py approvers enrol ID --ssh-key "
                "FILE, or --fido2 (see the administrator guide)."
            )

    def _enrolment(self) -> object:
        from breakglass_gui.core.enrolment import Enrolment
        from breakglass_gui.core.registry import accepts_codes

        deps = self.ctl.deps
        assert deps is not None
        return Enrolment(
            deps.totp_secrets,
            deps.config.organisation.name,
            deps.journal,
            accepted=accepts_codes(deps.config),
        )

    def _start(self) -> None:
        approver = self.ctl.config.approver(str(self.approver.currentData()))
        assert approver is not None
        self._forget()
        try:
            self.pending = self._enrolment().start(approver)  # type: ignore[attr-defined]
        except BreakGlassError as exc:  # e.g. codes not accepted, or an incident open
            self.message.setText(exc.message)
            return
        pixmap = qr_pixmap(self.pending.uri)
        self.qr.setMinimumSize(pixmap.size())
        self.qr.setPixmap(pixmap)
        self.uri.setText(self.pending.uri)
        self.confirm.setEnabled(True)
        self.message.setText("Scan the code, then type the 6 digits the app shows.")
        self.code.setFocus()

    def _confirm(self) -> None:
        if self.pending is None:
            return
        try:
            self._enrolment().confirm(self.pending, self.code.text(), self.ctl.deps.clock.now())  # type: ignore[attr-defined,union-attr]
        except BreakGlassError as exc:
            self.message.setText(exc.message)
            self.code.clear()
            return
        name = self.pending.approver.name
        self.pending = None  # stored: the store owns the secret now
        self._forget()
        self.message.setText(f"{name} is enrolled. The secret is in the OS keyring.")

    def _forget(self) -> None:
        """The secret leaves the screen and memory as soon as it is stored or abandoned."""
        if self.pending is not None:
            self.pending.secret.wipe()
            self.pending = None
        self.qr.clear()
        self.uri.clear()
        self.code.clear()
        self.confirm.setEnabled(False)

    def done(self, result: int) -> None:
        self._forget()
        super().done(result)
