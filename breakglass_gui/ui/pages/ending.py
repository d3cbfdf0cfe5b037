"""§4 Revoke and rotate: every step per account in a progress list, failed ones retried.
There is no way around this page: the only exits are success or a retry."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem

from breakglass_gui.core.humane import clock
from breakglass_gui.core.incident import State
from breakglass_gui.ui import theme
from breakglass_gui.ui.pages.base import Page, wrapped

if TYPE_CHECKING:
    from breakglass_gui.ui.controller import Controller

STATUS_TEXT = {"pending": "waiting", "running": "running…", "done": "done", "failed": "FAILED"}
STATUS_TONE: dict[str, theme.Tone] = {"done": "ok", "failed": "error", "running": "warn"}


def step_label(key: str, label_of: Callable[[str], str]) -> str:
    kind, _, subject = key.partition(":")
    label = label_of(subject) if subject.isdigit() else subject
    return {
        "revoke.role": f"Revoke role sessions in {label}",
        "revoke.user": f"Revoke the MFA session of {label}",
        "rotate": f"Rotate {label}'s credentials (new key and password, stored in Vault first)",
        "verify.user": f"Verify {label}: policies, access keys, login profile",
        "check.alarms": "Check that the seed's alarms fired",
        "notify.revoked": "Notify the SNS topic: access revoked, credentials rotated",
        "session": f"Open a session in {label} to revoke it",
    }.get(kind, key)


class _Relay(QObject):
    """Ending reports progress from worker threads; this carries it to the GUI thread."""

    progress = Signal(str, str, str)


class EndingPage(Page):
    name = "ending"
    title = "6 · Revoke and rotate"
    intro = (
        "Access is being closed: role sessions revoked in every account used, the MFA session "
        "revoked, the break-glass user's credentials rotated and verified. This cannot be "
        "skipped; a failed step is retried until it succeeds."
    )

    def __init__(self, ctl: Controller) -> None:
        super().__init__(ctl)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Step", "Status", "Detail"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAccessibleName("Revoke and rotate steps")
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.body.addWidget(self.tree, 1)
        # When every step is done: each account's result, until the operator moves on.
        self.result = wrapped()
        self.result.setObjectName("ending-result")
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        theme.tint(self.result, "ok")
        self.result.hide()
        self.body.addWidget(self.result)
        self.items: dict[str, QTreeWidgetItem] = {}
        self.relay = _Relay(self)
        self.relay.progress.connect(self.on_progress)
        self.retry = self.button("&Retry failed steps", self.run_ending, primary=True)
        self.retry.hide()
        self.proceed = self.button("Continue to the re&view", self._proceed, primary=True)
        self.proceed.hide()

    def refresh(self) -> None:
        p = self.ctl.procedure
        assert p is not None
        if self.ctl.held == self.name:
            return  # the result stays as it is until the operator continues
        self.tree.clear()
        self.items.clear()
        self.result.hide()
        self.proceed.hide()
        for key in p.ending().steps():
            self._item(key, "done" if p.incident.done(key) else "pending", "")
        self.run_ending()

    def _item(self, key: str, status: str, detail: str) -> QTreeWidgetItem:
        item = self.items.get(key)
        if item is None:
            item = QTreeWidgetItem([step_label(key, self.ctl.account_label), "", ""])
            item.setData(0, 256, key)
            self.tree.addTopLevelItem(item)
            self.items[key] = item
        item.setText(1, STATUS_TEXT.get(status, status))
        item.setText(2, detail)
        theme.tint_item(item, STATUS_TONE.get(status), column=1)
        return item

    def on_progress(self, key: str, status: str, detail: str) -> None:
        self._item(key, status, detail)

    def statuses(self) -> dict[str, str]:
        return {key: item.text(1) for key, item in self.items.items()}

    def run_ending(self) -> None:
        p = self.ctl.procedure
        assert p is not None
        relay = self.relay
        self.retry.hide()

        def failed(_error: BaseException) -> None:
            self.retry.show()
            self.retry.setFocus()

        def finished(_value: object) -> None:
            if p.state is not State.ROTATED:
                return  # only a finished ending is summed up (the core raises while one is left)
            self.ctl.hold(self.name)  # the routing that follows keeps this page
            self.result.setText(ending_result(p.incident.done_effects, self.ctl.account_label))
            self.result.show()
            self.proceed.show()
            self.proceed.setFocus()

        self.ctl.run(
            self,
            lambda: p.revoke_and_rotate(relay.progress.emit),
            finished,
            context="Revoke and rotate",
            busy="Revoking access and rotating credentials…",
            failed=failed,
        )

    def _proceed(self) -> None:
        self.result.hide()
        self.proceed.hide()
        self.ctl.release()


def ending_result(done: dict[str, dict[str, Any]], label_of: Callable[[str], str]) -> str:
    """One line per account and per user from the journaled evidence: what an operator reads
    before the review, and reads back to the security team on the phone."""
    lines = ["Access is closed. Every step is done:"]
    for key, outcome in done.items():
        kind, _, subject = key.partition(":")
        evidence = outcome.get("evidence", {})
        cutoff = clock(str(evidence.get("cutoff", "")))
        checked = " and verified" if evidence.get("check", {}).get("verified") else ""
        if kind == "revoke.role":
            lines.append(
                f"• {label_of(subject)}: role sessions issued before {cutoff} UTC revoked{checked}."
            )
        elif kind == "revoke.user":
            lines.append(f"• {subject}: MFA sessions before {cutoff} UTC revoked{checked}.")
        elif kind == "rotate":
            lines.append(f"• {subject}: new access key and console password, stored in Vault.")
        elif kind == "verify.user":
            lines.append(f"• {subject}: policies, access keys and login profile verified.")
        elif kind == "notify.revoked":
            lines.append("• The SNS topic was told: access revoked, credentials rotated.")
    return "\n".join(lines)
