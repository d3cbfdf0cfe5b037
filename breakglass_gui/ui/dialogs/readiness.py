"""The readiness view (docs/rules.md §9): the same audit table as `main.py readiness`, run on a
worker. In a drill it audits the drill's freshly provisioned world; otherwise a boto3 profile with
read access to the IAM account is used."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from breakglass_gui.core.text import visible
from breakglass_gui.ui import theme
from breakglass_gui.ui.errors import operator_message
from breakglass_gui.ui.tab_order import chain_order, follow
from breakglass_gui.ui.text import plain_label
from breakglass_gui.ui.workers import Outcome

if TYPE_CHECKING:
    from breakglass_gui.ui.controller import Controller

HEADERS = ("", "Check", "Account", "Reason", "Fix")


class ReadinessDialog(QDialog):
    def __init__(self, ctl: Controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctl = ctl
        self.setWindowTitle("Readiness — is the AWS side ready for an emergency?")
        self.resize(1100, 600)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.profile = QLineEdit()
        self.profile.setPlaceholderText("default profile")
        self.profile.setAccessibleName("boto3 profile")
        caption = plain_label("boto3 &profile (read-only, IAM account)")
        caption.setBuddy(self.profile)
        form.addRow(caption, self.profile)
        if ctl.is_drill:
            caption.hide()
            self.profile.hide()
        layout.addLayout(form)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("Readiness checks")
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        status = QHBoxLayout()
        self.progress = QProgressBar()  # busy while the checks run (a few seconds per account)
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        status.addWidget(self.progress)
        self.summary = plain_label()
        self.summary.setObjectName("readiness-summary")
        self.summary.setWordWrap(True)
        status.addWidget(self.summary, 1)
        layout.addLayout(status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.run_button = buttons.addButton("&Run checks", QDialogButtonBox.ButtonRole.ActionRole)
        self.run_button.clicked.connect(self.run_checks)
        self.run_button.setDefault(True)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("&Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        follow(chain_order(self))  # the button box's own order, not creation order
        self.running = False

    def run_checks(self) -> None:
        if self.running:
            return
        self.running = True
        self.run_button.setEnabled(False)
        self.progress.show()
        self.summary.setText("Checking AWS and Vault against the blueprint…")
        env, config, profile = self.ctl.drill, self.ctl.config, self.profile.text().strip() or None

        def audit() -> list[Any]:
            if env is not None:
                from breakglass_gui.core.aws.blueprint import build_blueprint
                from breakglass_gui.core.aws.readiness import Readiness
                from breakglass_gui.core.registry import vault_gateway
                from breakglass_gui.core.vault_checks import vault_checks

                assert env.admin is not None
                probe = vault_checks(
                    vault_gateway(config.vault),
                    config.vault.users,
                    env.vault_credential(),
                )
                return Readiness(build_blueprint(config), env.admin, probe).run()
            from breakglass_gui.admin_cli import audit as live_audit

            return live_audit(config, profile)

        self.ctl.background.run(audit, self._show)

    def _show(self, outcome: Outcome) -> None:
        self.running = False
        self.progress.hide()
        self.run_button.setEnabled(True)
        if not outcome.ok:
            assert outcome.error is not None
            self.summary.setText(operator_message(outcome.error)[1])
            return
        checks = outcome.value
        self.table.setRowCount(len(checks))
        for row, check in enumerate(checks):
            mark = QTableWidgetItem("PASS" if check.ok else "FAIL")
            theme.tint_item(mark, "ok" if check.ok else "error")
            self.table.setItem(row, 0, mark)
            for column, text in enumerate((check.name, check.account, check.reason, check.fix), 1):
                self.table.setItem(row, column, QTableWidgetItem(visible(text)))
        failed = sum(1 for c in checks if not c.ok)
        self.summary.setText(f"{len(checks) - failed} passed, {failed} failed.")
