"""The end: the incident is closed (or aborted); the journal's chain hash to keep."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
        self.body.addWidget(self.summary)
        self.verify_note = theme.note(wrapped())
        self.body.addWidget(self.verify_note)
        self.body.addStretch(1)
        self.new = self.button("Start a &new incident", self._new, primary=True)

    def refresh(self) -> None:
        p = self.ctl.procedure
        assert p is not None and self.ctl.deps is not None
        count, head = self.ctl.deps.journal.head()
        self.title_text = f"{p.id}: {p.state.value}"
        self.summary.setText(
            f"{p.id} is {p.state.value}. The journal holds {count} entries; its chain hash is "
            f"{head}. Keep this hash with the review: it was also sent to the SNS topic."
        )
        self.verify_note.setText(
            f"Anyone can check the journal later: python main.py verify "
            f"{self.ctl.options.journal_path(self.ctl.is_drill)}"
        )
        self.new.setFocus()

    def _new(self) -> None:
        self.ctl.forget_incident()
        self.ctl.route()
