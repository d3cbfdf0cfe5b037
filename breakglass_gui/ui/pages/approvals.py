"""§2.2 Two sign-offs bound to the request's digest; who may sign which role is shown."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from breakglass_gui.core.errors import BreakGlassError
from breakglass_gui.core.secret import Secret
from breakglass_gui.core.text import visible
from breakglass_gui.ui import theme
from breakglass_gui.ui.pages.base import Page, wrapped
from breakglass_gui.ui.text import escaped, plain_label

if TYPE_CHECKING:
    from breakglass_gui.core.incident import Request
    from breakglass_gui.ui.controller import Controller

ROLES = {
    "primary": ("Primary approver", "CISO or equivalent (roster role primary)."),
    "secondary": (
        "Secondary approver",
        "Senior management not directly involved with the AWS infrastructure.",
    ),
}
CODE = QRegularExpression(r"^\d{0,3} ?\d{0,3}$")


def request_summary(request: Request) -> str:
    """Rich text of what the approvers sign; every value escaped (config and operator input:
    a bidi override in the justification must not reorder what the approvers read)."""
    e = escaped
    rows = [
        ("Incident", request.incident_id),
        (
            "Emergency",
            request.emergency_type + (f" — {request.other_text}" if request.other_text else ""),
        ),
        ("Justification", request.justification),
        ("Operator", request.operator),
        ("Duration", f"{request.duration_seconds // 60} minutes"),
        ("Accounts", ", ".join(request.accounts) or "chosen after approval"),
        ("Reference", request.reference or "—"),
        ("Request digest", request.short_digest),
    ]
    cells = "".join(f"<tr><th align='left'>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
    return f"<table cellspacing='4'>{cells}</table>"


class SignOff(QGroupBox):
    def __init__(self, page: ApprovalsPage, role: str) -> None:
        title, rule = ROLES[role]
        super().__init__(title)
        self.role = role
        layout = QVBoxLayout(self)
        layout.addWidget(theme.note(wrapped(rule)))
        form = QFormLayout()
        layout.addLayout(form)
        self.approver = QComboBox()
        page.add_field(
            form,
            f"{role}.approver",
            "Appro&ver" if role == "primary" else "Approv&er",
            self.approver,
        )
        self.code = QLineEdit()
        self.code.setEchoMode(QLineEdit.EchoMode.Password)
        self.code.setValidator(QRegularExpressionValidator(CODE, self.code))
        self.code.setPlaceholderText("6-digit code")
        page.add_field(form, f"{role}.code", "&Code" if role == "primary" else "C&ode", self.code)
        row = QHBoxLayout()
        self.status = plain_label("Not signed yet.")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.sign = QPushButton("&Sign" if role == "primary" else "Si&gn")
        self.sign.setObjectName(f"{role}.sign")
        self.sign.clicked.connect(lambda: page.sign(self))
        self.code.returnPressed.connect(self.sign.click)
        row.addWidget(self.status, 1)
        row.addWidget(self.sign)
        layout.addLayout(row)


class ApprovalsPage(Page):
    name = "approvals"
    title = "2 · Two approvals"
    intro = (
        "Each approver checks the request below and types the current code from their own "
        "authenticator. The operator cannot approve; one person cannot sign both roles; three "
        "wrong codes lock an approver out for five minutes."
    )

    def __init__(self, ctl: Controller) -> None:
        super().__init__(ctl)
        self.summary = plain_label()
        self.summary.setObjectName("request-summary")  # rich by design: every value escaped
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box = QGroupBox("The request being signed")
        QVBoxLayout(box).addWidget(self.summary)
        self.body.addWidget(box)
        row = QHBoxLayout()
        self.signoffs = {role: SignOff(self, role) for role in ROLES}
        for signoff in self.signoffs.values():
            row.addWidget(signoff)
        self.body.addLayout(row)
        self.roster = theme.note(wrapped())
        self.body.addWidget(self.roster)
        self.caveat = wrapped()  # the approval method's limits (ApprovalMethod.caveat)
        theme.tint(self.caveat, "warn")
        self.body.addWidget(self.caveat)
        self.body.addStretch(1)
        self.abort_button = self.button("&Abort incident…", self._abort)
        self._signing: str | None = None  # whose field an error belongs to

    def refresh(self) -> None:
        p = self.ctl.procedure
        assert p is not None
        request = p.incident.request
        self.summary.setText(request_summary(request))
        signed = {a["role"]: a for a in p.incident.approvals if a["digest"] == request.digest}
        lines = []
        for role, signoff in self.signoffs.items():
            eligible = p.eligible_approvers(role)  # type: ignore[arg-type]
            current = signoff.approver.currentData()
            signoff.approver.clear()
            for approver in eligible:
                signoff.approver.addItem(f"{visible(approver.name)} ({approver.id})", approver.id)
            if current is not None and signoff.approver.findData(current) >= 0:
                signoff.approver.setCurrentIndex(signoff.approver.findData(current))
            done = signed.get(role)
            if done:
                signoff.status.setText(f"Signed by {done['approver']} at {done.get('at', '')}.")
                theme.tint(signoff.status, "ok", bold=True)
            else:
                signoff.status.setText("Not signed yet." if eligible else "No eligible approver.")
                theme.tint(signoff.status, None if eligible else "error")
            signoff.setEnabled(done is None)
            names = ", ".join(visible(a.name) for a in eligible) or "nobody in the roster"
            lines.append(f"{ROLES[role][0]}: {names}.")
        lines.append(
            f"The operator ({visible(request.operator)}) cannot sign; approvers flagged "
            "aws_infrastructure cannot be the secondary."
        )
        self.roster.setText("Who may sign — " + " ".join(lines))
        assert self.ctl.deps is not None
        caveat = self.ctl.deps.approvals.caveat
        self.caveat.setText(caveat)
        self.caveat.setVisible(bool(caveat))
        first = next((s for s in self.signoffs.values() if s.isEnabled()), None)
        if first is not None:
            first.code.setFocus()

    def show_error(self, error: BaseException | None, message: str) -> None:
        role = self._signing
        field = error.field if isinstance(error, BreakGlassError) else None
        if role is not None and field in ("code", "approver"):
            label = self._field_errors[f"{role}.{field}"]
            label.setText(message)
            label.show()
            return
        super().show_error(error, message)

    def sign(self, signoff: SignOff) -> None:
        p = self.ctl.procedure
        assert p is not None
        approver = signoff.approver.currentData()
        code = Secret(signoff.code.text())
        signoff.code.clear()
        self._signing = signoff.role
        if approver is None:
            self.show_error(None, "There is no eligible approver for this role in the roster.")
            return

        def approve() -> dict[str, Any]:
            try:
                return p.approve(signoff.role, str(approver), code.reveal())  # type: ignore[arg-type]
            finally:
                code.wipe()

        self.ctl.run(
            self,
            approve,
            lambda _payload: self.refresh(),
            context=f"{ROLES[signoff.role][0]} sign-off",
            busy="Checking the code…",
        )

    def _abort(self) -> None:
        self.ctl.abort_incident(self)
