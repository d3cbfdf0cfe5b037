"""The end: the incident is closed (or aborted); the journal's chain hash to keep."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from breakglass_gui.ui import theme
from breakglass_gui.ui.pages.base import Page, wrapped

if TYPE_CHECKING:
    from breakglass_gui.ui.controller import Controller


class DonePage(Page):
    name = "done"
    title = "Incident closed"
    intro = "Access is revoked, the credentials rotated, the review exported."

    def __init__(self, ctl: Controller) -> None:
        super().__init__(ctl)
        self.summary = wrapped()
        self.summary.setObjectName("done-summary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.addWidget(self.summary)
        self.verify_note = theme.note(wrapped())
        self.body.addWidget(self.verify_note)
        self.body.addStretch(1)
        self.new = self.button("Start a &new incident", self._new, primary=True)

    def refresh(self) -> None:
        p = self.ctl.procedure
        assert p is not None and self.ctl.deps is not None
        self.title_text = f"{p.id}: {p.state.value}"
        journal = self.ctl.options.journal_path(self.ctl.is_drill)
        last = p.incident.exported  # the review's own hash (issue 19), as journaled at export
        if last.get("final_hash"):
            # The journal goes on after the review (the export, the closing), chained to it.
            self.summary.setText(
                f"{p.id} is {p.state.value}. The review ends on journal entry "
                f"{last.get('through_seq')} with the chain hash\n{last['final_hash']}\n"
                f"over the incident's {last.get('entries')} entries — the hash printed in the "
                "review. Keep it with the review."
            )
            json_review = next(
                (f for f in last.get("files", []) if "-review" in f and f.endswith(".json")), ""
            )
            again = (
                f"python main.py verify {json_review} prints the same hash; " if json_review else ""
            )
            self.verify_note.setText(
                f"Anyone can check it later: {again}python main.py verify {journal} checks the "
                "whole journal."
            )
        else:  # aborted: no review
            count, head = self.ctl.deps.journal.head()
            self.summary.setText(
                f"{p.id} is {p.state.value}. The journal holds {count} entries; its chain hash "
                f"is\n{head}"
            )
            self.verify_note.setText(
                f"Anyone can check the journal later: python main.py verify {journal}"
            )
        self.new.setFocus()

    def _new(self) -> None:
        self.ctl.forget_incident()
        self.ctl.route()
