"""The drill panel (docs/rules.md §10): what the people in a real emergency would hold — the MFA
device's code, the approvers' security-key PIN and ssh signatures, the Vault password and the
unseal key shares — for the simulated world only. Clearly labelled; refreshed every second."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from breakglass_gui.core.text import visible
from breakglass_gui.ui import theme
from breakglass_gui.ui.text import plain_label

if TYPE_CHECKING:
    from breakglass_gui.core.approval_request import SignedRequest
    from breakglass_gui.drill.remote import RemoteDrill

STEP = 30
SIGN = "Authori&ze: copy the signature"


def spaced(code: str) -> str:
    return f"{code[:3]} {code[3:]}"


class DrillPanel(QWidget):
    def __init__(
        self,
        env: RemoteDrill,
        request: Callable[[], SignedRequest | None] = lambda: None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.env = env
        self._request = request  # the request text being signed, if an incident awaits it
        self.setObjectName("drill-panel")
        layout = QVBoxLayout(self)
        title = plain_label("DRILL PANEL — simulated secrets")
        theme.tint(title, "warn", bold=True)
        layout.addWidget(title)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(mono.pointSizeF() * 1.2)
        self.labels: dict[str, QLabel] = {}
        assert env.config is not None
        groups = (
            ("MFA device (in the safe)", [(f"mfa:{u}", u) for u in env.config.vault.users]),
            (
                "Approvers' keys",
                [(f"approver:{a.id}", f"{a.name} ({a.role})") for a in env.config.approvers],
            ),
            ("Vault", [("vault", "password (userpass)")]),
        )
        for heading, rows in groups:
            box = QGroupBox(heading)
            form = QFormLayout(box)
            # The dock is narrow: a caption that does not fit beside its value goes above it.
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
            for key, caption in rows:
                value = plain_label()
                value.setFont(mono)
                value.setObjectName(f"drill-{key}")
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                form.addRow(plain_label(visible(caption)), value)
                self.labels[key] = value
            layout.addWidget(box)
        self._approvers(env)
        self.shares = QGroupBox("Unseal key shares (3 of 5 needed)")
        shares = QFormLayout(self.shares)
        for index, key in enumerate(env.unseal_keys[: env.threshold]):
            label = plain_label(key[:16] + "\n" + key[16:32] + "\n" + key[32:48] + "\n" + key[48:])
            label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setObjectName(f"drill-share-{index + 1}")
            shares.addRow(plain_label(f"holder {index + 1}"), label)
        layout.addWidget(self.shares)
        self.left = plain_label()
        layout.addWidget(self.left)
        layout.addStretch(1)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    def _approvers(self, env: RemoteDrill) -> None:
        """A PIN for the security key; for an ssh approver, a button that makes the signature
        they would send back (copied to the clipboard, as their message would be pasted)."""
        assert env.config is not None
        keys = env.approver_keys
        self.sign_buttons: dict[str, QPushButton] = {}
        self._copied: dict[str, str] = {}
        for approver in env.config.approvers:
            label = self.labels[f"approver:{approver.id}"]
            if approver.id in keys.keys:
                label.setText(f"security key, PIN {env.approver_response(approver.id, None)}")
            elif approver.id in keys.signers:
                label.setText("ssh key")
                button = QPushButton(SIGN)
                button.setObjectName(f"drill-sign-{approver.id}")
                button.clicked.connect(lambda _c=False, a=approver.id: self._sign(a))
                box = label.parentWidget()
                form = box.layout() if box is not None else None
                assert isinstance(form, QFormLayout)
                form.addRow(button)
                self.sign_buttons[approver.id] = button

    def _sign(self, approver: str) -> None:
        from PySide6.QtGui import QGuiApplication

        request = self._request()
        if request is None:
            return
        QGuiApplication.clipboard().setText(self.env.approver_response(approver, request))
        self._copied[approver] = request.request_id
        self.refresh()

    def showEvent(self, event: object) -> None:
        self.timer.start()
        self.refresh()

    def hideEvent(self, event: object) -> None:
        self.timer.stop()

    def refresh(self) -> None:
        env = self.env
        assert env.config is not None
        for user in env.config.vault.users:
            self.labels[f"mfa:{user}"].setText(spaced(env.mfa_code(user)))
        self.labels["vault"].setText(env.vault_password.reveal())
        request = self._request()
        for approver, button in self.sign_buttons.items():
            button.setEnabled(request is not None)
            copied = request is not None and self._copied.get(approver) == request.request_id
            button.setText("Signature copied ✓ (Authori&ze again)" if copied else SIGN)
        self.shares.setVisible(env.sealed)
        self.left.setText(f"Codes change in {STEP - int(time.time()) % STEP} s.")
