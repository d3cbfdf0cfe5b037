"""§2.2 Two sign-offs bound to the request's digest; who may sign which role is shown."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRegularExpression, QSignalBlocker, Qt, QTimer
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from breakglass_gui.core.approval_request import NAMESPACE
from breakglass_gui.core.errors import BreakGlassError
from breakglass_gui.core.humane import clock, parse, remaining
from breakglass_gui.core.incident import State
from breakglass_gui.core.secret import Secret
from breakglass_gui.core.text import visible
from breakglass_gui.ui import theme
from breakglass_gui.ui.pages.base import Page, wrapped
from breakglass_gui.ui.text import plain_label
from breakglass_gui.ui.widgets.facts import Facts

if TYPE_CHECKING:
    from breakglass_gui.core.approval_methods import ApprovalMethod
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
# What the operator types or pastes for each kind of answer (ApprovalMethod.response).
ANSWER = {
    "code": ("6-digit code", "Sign"),
    "pin": ("the security key's PIN", "Sign with the key"),
    "signature": ("", "Sign"),
}
SSH_COMMAND = f"ssh-keygen -Y sign -f ~/.ssh/id_ed25519 -n {NAMESPACE} request.txt"


REQUEST_CAPTIONS = (
    "Incident",
    "Emergency",
    "Justification",
    "Operator",
    "Duration",
    "Accounts",
    "Reference",
    "Request digest",
)


def request_rows(request: Request) -> list[tuple[str, str]]:
    """What the approvers sign, row by row (shown as plain text: ui/widgets/facts.py)."""
    emergency = request.emergency_type + (f" — {request.other_text}" if request.other_text else "")
    values = (
        request.incident_id,
        emergency,
        request.justification,
        request.operator,
        f"{request.duration_seconds // 60} minutes",
        ", ".join(request.accounts) or "chosen after approval",
        request.reference or "—",
        request.short_digest,
    )
    return list(zip(REQUEST_CAPTIONS, values, strict=True))


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
        self.method_note = theme.note(wrapped())
        layout.insertWidget(1, self.method_note)
        self.form = form
        self.code = QLineEdit()
        self.code.setEchoMode(QLineEdit.EchoMode.Password)
        self._code_validator = QRegularExpressionValidator(CODE, self.code)
        self.code.setPlaceholderText("6-digit code")
        page.add_field(form, f"{role}.code", "&Code" if role == "primary" else "C&ode", self.code)
        self.signature = QPlainTextEdit()
        self.signature.setPlaceholderText(
            "-----BEGIN SSH SIGNATURE-----\n…\n-----END SSH SIGNATURE-----"
        )
        self.signature.setTabChangesFocus(True)
        self.signature.setMaximumHeight(90)
        page.add_field(
            form,
            f"{role}.signature",
            "Signa&ture" if role == "primary" else "Signat&ure",
            self.signature,
        )
        self.code_caption = page.captions[f"{role}.code"]
        self._captions = (  # the code field's caption for a code, and for a PIN
            ("&Code", "Key &PIN") if role == "primary" else ("C&ode", "Ke&y PIN")
        )
        self.signature_caption = page.captions[f"{role}.signature"]
        self.response = "code"
        self._shown: tuple[str | None, bool] | None = None  # what show_method last laid out
        # A code is the usual answer: the form is laid out for it when the page is built (in the
        # warm-up), not when it is first shown.
        self.form.setRowVisible(self.signature_caption, False)
        self._signature_row = False
        # Polished now (in the warm-up) rather than when an ssh approver's row is first shown:
        # a text editor's first polish is most of a 10 ms relayout.
        for widget in (self.signature, self.signature.viewport(), self.code):
            widget.ensurePolished()
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
        self.approver.currentIndexChanged.connect(lambda _i: page.method_changed(self))

    def show_method(self, method: ApprovalMethod | None) -> None:
        """The field the approver's method needs: a code, a PIN or a pasted signature."""
        shown = (method.response if method else None, method is None)
        if shown == self._shown:
            return  # the same fields: no relayout
        self._shown = shown
        self.response = method.response if method else "code"
        placeholder, action = ANSWER[self.response]
        signature = self.response == "signature"
        if signature != self._signature_row:  # each change relays the form out (~3 ms)
            self.form.setRowVisible(self.code_caption, not signature)
            self.form.setRowVisible(self.signature_caption, signature)
            self._signature_row = signature
        self.code.setValidator(self._code_validator if self.response == "code" else None)  # type: ignore[arg-type]
        self.code.setPlaceholderText(placeholder)
        self.code_caption.setText(self._captions[self.response == "pin"])
        mnemonic = ("S", "&S") if self.role == "primary" else ("Sig", "Si&g")  # Alt+S / Alt+G
        self.sign.setText(action.replace(*mnemonic, 1))
        if method is None:
            self.method_note.setText("This approver is not enrolled with an accepted method.")
        elif signature:
            self.method_note.setText(
                "Signs the request text (Copy above) on their own machine with "
                f"`{SSH_COMMAND}` and sends back request.txt.sig."
            )
        elif self.response == "pin":
            self.method_note.setText("Types their security key's PIN, then touches the key.")
        else:
            self.method_note.setText("Types the current code from their authenticator app.")

    def answer(self) -> str:
        return self.signature.toPlainText() if self.response == "signature" else self.code.text()

    def clear_answer(self) -> None:
        self.code.clear()
        self.signature.clear()


class ApprovalsPage(Page):
    name = "approvals"
    title = "2 · Two approvals"
    intro = (
        "Each approver checks the request below and signs it with the key they enrolled. The "
        "operator cannot approve; one person cannot sign both roles; three wrong answers lock "
        "an approver out for five minutes."
    )

    def __init__(self, ctl: Controller) -> None:
        super().__init__(ctl)
        self.summary = Facts(REQUEST_CAPTIONS)
        self.summary.setObjectName("request-summary")
        self.summary.setAccessibleName("The request being signed")
        box = QGroupBox("The request being signed")
        column = QVBoxLayout(box)
        column.addWidget(self.summary)
        texts = QHBoxLayout()
        self.request_note = theme.note(wrapped())
        # Two lines always (the deadline, then what was done): the sign-off boxes below keep
        # their place when a line appears.
        self.request_note.setMinimumHeight(2 * self.request_note.fontMetrics().lineSpacing() + 2)
        texts.addWidget(self.request_note, 1)
        self.copy_text = QPushButton("Copy request te&xt")
        self.copy_text.clicked.connect(self._copy_request)
        self.save_text = QPushButton("&Write it to a file…")
        self.save_text.clicked.connect(self._save_request)
        texts.addWidget(self.copy_text)
        texts.addWidget(self.save_text)
        column.addLayout(texts)
        self.body.addWidget(box)
        row = QHBoxLayout()
        self.signoffs = {role: SignOff(self, role) for role in ROLES}
        for signoff in self.signoffs.values():
            row.addWidget(signoff, 1)  # the two boxes share the width whatever they hold
        self.body.addLayout(row)
        self.roster = theme.note(wrapped())
        self.body.addWidget(self.roster)
        self.caveat = wrapped()  # the approval method's limits (ApprovalMethod.caveat)
        theme.tint(self.caveat, "warn")
        self.body.addWidget(self.caveat)
        self.body.addStretch(1)
        self.abort_button = self.button("&Abort incident…", self._abort)
        self._signing: str | None = None  # whose field an error belongs to
        self._done = ""
        self._prepared = False  # prepare() has filled the page for the show under way
        self.tick = QTimer(self)  # the deadline counts down every second while shown
        self.tick.setInterval(1000)
        self.tick.timeout.connect(self._say)

    def prepare(self) -> None:
        """Before the page is shown: its content, so that switching an approver's answer field
        (a code or a pasted signature, a relayout of ~10 ms each) happens while it is hidden,
        not in the same turn as the page's first paint (docs/rules.md §13, 50 ms)."""
        self._fill()
        self._prepared = True

    def refresh(self) -> None:
        if not self._prepared:  # a refresh after a sign-off, not the show prepare() preceded
            self._fill()
        self._prepared = False
        self.tick.start()
        first = next((s for s in self.signoffs.values() if s.isEnabled()), None)
        if first is not None:
            (first.signature if first.response == "signature" else first.code).setFocus()

    def _fill(self) -> None:
        p = self.ctl.procedure
        assert p is not None
        request = p.incident.request
        self.summary.show_rows(request_rows(request))
        # Abort is for a request not yet approved; a widened one (access open) is ended instead.
        self.abort_button.setVisible(not p.incident.reached(State.APPROVED))
        self._text = p.approval_request()
        self._say("")
        signed = {a["role"]: a for a in p.incident.approvals if a["digest"] == request.digest}
        lines = []
        for role, signoff in self.signoffs.items():
            eligible = p.eligible_approvers(role)  # type: ignore[arg-type]
            current = signoff.approver.currentData()
            # Refilled without a signal per item: each would relay the form out for the method
            # (show_method), and the method is shown once below (docs/rules.md §13, 50 ms).
            blocker = QSignalBlocker(signoff.approver)
            signoff.approver.clear()
            for approver in eligible:
                signoff.approver.addItem(f"{visible(approver.name)} ({approver.id})", approver.id)
            if current is not None and signoff.approver.findData(current) >= 0:
                signoff.approver.setCurrentIndex(signoff.approver.findData(current))
            blocker.unblock()
            done = signed.get(role)
            if done:
                signoff.status.setText(
                    f"Signed by {done['approver']} at {clock(done.get('at', ''))} UTC."
                )
                theme.tint(signoff.status, "ok", bold=True)
            else:
                signoff.status.setText("Not signed yet." if eligible else "No eligible approver.")
                theme.tint(signoff.status, None if eligible else "error")
            signoff.setEnabled(done is None)
            signoff.show_method(self._method(signoff))
            names = ", ".join(visible(a.name) for a in eligible) or "nobody in the roster"
            lines.append(f"{ROLES[role][0]}: {names}.")
        lines.append(
            f"The operator ({visible(request.operator)}) cannot sign; approvers flagged "
            "aws_infrastructure cannot be the secondary."
        )
        self.roster.setText("Who may sign — " + " ".join(lines))
        assert self.ctl.deps is not None
        caveat = " ".join(self.ctl.deps.approvals.caveats)
        self.caveat.setText(caveat)
        self.caveat.setVisible(bool(caveat))

    def leave(self) -> None:
        self.tick.stop()

    def _method(self, signoff: SignOff) -> ApprovalMethod | None:
        p = self.ctl.procedure
        approver = signoff.approver.currentData()
        return p.approval_method(str(approver)) if p and approver is not None else None

    def method_changed(self, signoff: SignOff) -> None:
        signoff.show_method(self._method(signoff))

    def _say(self, done: str | None = None) -> None:
        """The deadline, counting down every second, and what was last done with the text."""
        if done is not None:
            self._done = done
        p = self.ctl.procedure
        deadline = parse(self._text.not_after)
        left = (deadline.timestamp() - p.deps.clock.now()) if p and deadline else 0.0
        when_due = clock(self._text.not_after)
        due = (
            f"sign within {remaining(left)} (by {when_due} UTC)"
            if left > 0
            else f"the time to sign ran out at {when_due} UTC: abort and declare again"
        )
        self.request_note.setText(
            f"Request {self._text.request_id}: {due}." + (f"\n{self._done}" if self._done else "")
        )

    def _copy_request(self) -> None:
        from PySide6.QtGui import QGuiApplication

        QGuiApplication.clipboard().setText(self._text.text)
        self._say("Request text copied: paste it into a message to the approver.")

    def _save_request(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the request text", f"{self._text.request_id}.txt", "Text (*.txt)"
        )
        if path:
            try:
                with open(path, "w", encoding="utf-8", newline="\n") as f:
                    f.write(self._text.text)
            except OSError as exc:
                self.show_error(None, f"The request text could not be saved: {exc.strerror}.")
                return
            self._say(f"Request text saved to {path}.")

    def show_error(self, error: BaseException | None, message: str) -> None:
        role = self._signing
        field = error.field if isinstance(error, BreakGlassError) else None
        if role is not None and field in ("code", "approver"):
            signoff = self.signoffs[role]
            if field == "code" and signoff.response == "signature":
                field = "signature"  # the answer was pasted there: the error stands there
            label = self._field_errors[f"{role}.{field}"]
            label.setText(visible(message, multiline=True))
            label.show()
            # The cursor goes back where the approver answers, for the next try.
            (signoff.signature if signoff.response == "signature" else signoff.code).setFocus()
            return
        super().show_error(error, message)

    def sign(self, signoff: SignOff) -> None:
        p = self.ctl.procedure
        assert p is not None
        approver = signoff.approver.currentData()
        code = Secret(signoff.answer())
        signoff.clear_answer()
        self._signing = signoff.role
        if approver is None:
            self.show_error(None, "There is no eligible approver for this role in the roster.")
            return

        def approve() -> dict[str, Any]:
            try:
                return p.approve(signoff.role, str(approver), code)  # type: ignore[arg-type]
            finally:
                code.wipe()

        self.ctl.run(
            self,
            approve,
            lambda _payload: self.refresh(),
            context=f"{ROLES[signoff.role][0]} sign-off",
            busy="Checking the approval…",
        )

    def _abort(self) -> None:
        self.ctl.abort_incident(self)
