"""§2.3 Unlock Vault: health first; when sealed, key shares one holder at a time (k of t);
then the login and the break-glass record (only its user name and MFA serial are shown)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtWidgets import QComboBox, QGroupBox, QLineEdit, QProgressBar, QVBoxLayout

from breakglass_gui.core.incident import State
from breakglass_gui.core.secret import Secret
from breakglass_gui.ui import theme
from breakglass_gui.ui.pages.base import Page, wrapped
from breakglass_gui.ui.text import plain_label

if TYPE_CHECKING:
    from breakglass_gui.core.vault import SealStatus, VaultHealth
    from breakglass_gui.ui.controller import Controller


class VaultPage(Page):
    name = "vault"
    title = "3 · Unlock Vault"
    intro = "Vault holds the break-glass user's credentials. They stay in memory only."

    FIELD_OF_CODE: ClassVar[dict[str, str]] = {
        "vault.bad_share": "share",
        "vault.malformed_share": "share",
        "vault.bad_credentials": "credential",
    }

    def __init__(self, ctl: Controller) -> None:
        super().__init__(ctl)
        self.health = plain_label("Checking Vault…")
        self.health.setObjectName("vault-health")
        self.health.setWordWrap(True)
        self.body.addWidget(self.health)
        self.unseal = QGroupBox("Vault is sealed: key holders enter their shares, one at a time")
        column = QVBoxLayout(self.unseal)
        form = self.form(column)
        self.holder = QLineEdit()
        self.holder.setPlaceholderText("Name of the key holder typing now")
        self.add_field(form, "holder", "Key &holder", self.holder)
        self.share = QLineEdit()
        self.share.setEchoMode(QLineEdit.EchoMode.Password)
        self.add_field(form, "share", "Unseal &key share", self.share)
        self.share.returnPressed.connect(self._submit_share)
        self.seal_progress = QProgressBar()
        self.seal_progress.setFormat("%v of %m key shares")
        self.seal_progress.setAccessibleName("Unseal progress")
        column.addWidget(self.seal_progress)
        self.body.addWidget(self.unseal)
        self.login = QGroupBox("Log in to Vault")
        login_column = QVBoxLayout(self.login)
        login_form = self.form(login_column)
        self.user = QComboBox()
        self.add_field(
            login_form,
            "user",
            "Break-&glass user",
            self.user,
            note="Two users exist; pick the other one if this one is unusable.",
        )
        self.credential = QLineEdit()
        self.credential.setEchoMode(QLineEdit.EchoMode.Password)
        self.credential.returnPressed.connect(self._unlock)
        self.add_field(login_form, "credential", "Vault &password", self.credential)
        self.body.addWidget(self.login)
        self.record = theme.note(wrapped())
        self.body.addWidget(self.record)
        self.body.addStretch(1)
        self.submit_share = self.button("Submit &share", self._submit_share)
        self.unlock = self.button("&Unlock Vault", self._unlock, primary=True)
        self.threshold = 0

    def refresh(self) -> None:
        p = self.ctl.procedure
        assert p is not None
        config = self.ctl.config.vault
        if p.state in (State.ENDING, State.REVOKED, State.ACTIVE):
            self.intro_label.setText(
                "To finish revocation and rotation, unlock Vault again: the rotation writes the "
                "new credentials there, and new sessions need the user's keys."
            )
        else:
            self.intro_label.setText(self.intro)
        self.user.clear()
        for user in config.users:
            self.user.addItem(user, user)
        self.user.setCurrentIndex(
            max(0, self.user.findData(p.incident.vault_user or config.default_user))
        )
        self.user.setEnabled(not p.incident.vault_user)
        assert self.ctl.deps is not None
        caption = self.ctl.deps.vault_auth.label
        self.captions["credential"].setText(caption)
        self.credential.setAccessibleName(caption.replace("&", ""))
        self.unseal.hide()
        self.submit_share.hide()
        self.check_health()

    def check_health(self) -> None:
        p = self.ctl.procedure
        assert p is not None
        address = self.ctl.config.vault.address

        def probe() -> tuple[VaultHealth, SealStatus | None]:
            health = p.vault_health()
            return health, (p.seal_status() if health.sealed else None)

        self.health.setText(f"Checking Vault at {address}…")
        self.ctl.run(
            self,
            probe,
            self._show_health,
            context="Vault health",
            busy="Asking Vault for its health…",
            cancellable=True,
        )

    def _show_health(self, result: tuple[VaultHealth, SealStatus | None]) -> None:
        health, seal = result
        address = self.ctl.config.vault.address
        if not health.initialized:
            self.health.setText(f"Vault at {address} is not initialised: it cannot be used.")
            return
        state = "sealed" if health.sealed else "unsealed"
        self.health.setText(
            f"Vault at {address}: initialised, {state}, version {health.version or 'unknown'}"
            + (f", cluster {health.cluster_name}" if health.cluster_name else "")
            + "."
        )
        if seal is not None:
            self._show_seal(seal)
        else:
            self.credential.setFocus()

    def _show_seal(self, seal: SealStatus) -> None:
        sealed = seal.sealed
        self.unseal.setVisible(sealed)
        self.submit_share.setVisible(sealed)
        self.unlock.setDefault(not sealed)
        self.submit_share.setDefault(sealed)
        self.seal_progress.setRange(0, max(1, seal.threshold))
        self.seal_progress.setValue(seal.progress)
        if sealed:
            self.holder.setFocus()
        else:
            self.health.setText(self.health.text().replace("sealed,", "now unsealed,"))
            self.credential.setFocus()

    def _submit_share(self) -> None:
        p = self.ctl.procedure
        assert p is not None
        holder = self.holder.text().strip()
        share = Secret(self.share.text().strip())
        self.share.clear()
        if not holder:
            self.show_error(None, "")
            self._field_errors["holder"].setText(
                "Say who is entering this share (it is journaled)."
            )
            self._field_errors["holder"].show()
            return
        if not share.reveal():
            self._field_errors["share"].setText("Type the key share.")
            self._field_errors["share"].show()
            return

        def submit() -> SealStatus:
            try:
                return p.submit_unseal_share(share, holder)
            finally:
                share.wipe()

        def done(status: SealStatus) -> None:
            self.holder.clear()
            self._show_seal(status)
            if not status.sealed:
                self.health.setText(f"Vault at {self.ctl.config.vault.address} is unsealed.")

        self.ctl.run(self, submit, done, context="Unseal Vault", busy="Submitting the key share…")

    def _unlock(self) -> None:
        p = self.ctl.procedure
        assert p is not None
        credential = Secret(self.credential.text())
        self.credential.clear()
        user = str(self.user.currentData())
        if not credential.reveal():
            self._field_errors["credential"].setText("Type the Vault credential.")
            self._field_errors["credential"].show()
            return

        def unlock() -> dict[str, Any]:
            try:
                return p.unlock_vault(credential, user)
            finally:
                credential.wipe()

        self.ctl.run(
            self,
            unlock,
            None,
            context="Unlock Vault",
            busy="Logging in to Vault and reading the break-glass record…",
        )
