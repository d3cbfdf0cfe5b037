"""§6 Recovery: shown first when the journal holds an unfinished incident. It leads into
revoke-and-rotate (or, before access was granted, continuing or aborting); it cannot be
dismissed silently — quitting from here asks, and is journaled."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QTextBrowser

from breakglass_gui.core.humane import when
from breakglass_gui.core.incident import BEFORE_ACTIVE, Incident, State
from breakglass_gui.ui.pages.base import Page
from breakglass_gui.ui.text import escaped

if TYPE_CHECKING:
    from breakglass_gui.core.procedure import Procedure
    from breakglass_gui.ui.controller import Controller


class RecoveryPage(Page):
    name = "recovery"
    title = "Unfinished incident — recovery"
    intro = (
        "Break Glass stopped before this incident was finished (crash, power loss or a forced "
        "quit), or its journal says it finished in a way the procedure cannot have. Access may "
        "still be open, so the incident must be finished now."
    )

    def __init__(self, ctl: Controller) -> None:
        super().__init__(ctl)
        self.facts = QTextBrowser()
        self.facts.setObjectName("recovery-facts")
        self.facts.setOpenLinks(False)
        self.facts.setAccessibleName("The unfinished incident")
        self.body.addWidget(self.facts, 1)
        # Both act through the procedure's collaborators: a click in the moment before they are
        # composed waits for them (ui/controller.py, `when_ready`), once however often it came.
        self.abort_button = self.button(
            "&Abort incident…", lambda: self.ctl.when_ready(self._abort)
        )
        self.resume = self.button(
            "&Continue: revoke and rotate", lambda: self.ctl.when_ready(self._resume), primary=True
        )
        self.incident: Incident | None = None

    def refresh(self) -> None:
        assert self.ctl.opening is not None
        incident_id = self.ctl.recovering[0]
        incident = Incident.replay(self.ctl.opening.journal.entries(incident_id))
        self.incident = incident
        open_access = not (incident.state in BEFORE_ACTIVE and not incident.role_sessions_requested)
        request = incident.request
        e = escaped
        rows = [
            ("Incident", incident.id),
            ("State", incident.state.value),
            ("Declared", when(incident.declared_at)),
            ("Operator", request.operator),
            ("Emergency", request.emergency_type),
            ("Accounts used", ", ".join(incident.accounts_used()) or "none"),
            ("Steps in doubt", ", ".join(sorted(incident.open_intents)) or "none"),
        ]
        table = "".join(f"<tr><th align='left'>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
        verdict = (
            "<p><b>Access may be open.</b> Continue to revoke every session and rotate the "
            "break-glass credentials: you will unlock Vault again and enter a new MFA code.</p>"
            if open_access
            else "<p>No access was granted yet. Continue the incident where it stopped, or abort "
            "it with a reason.</p>"
        )
        if incident.tampering:
            verdict = (
                "<p><b>The journal tells an impossible story</b> "
                f"({e(incident.tampering)}): entries were forged or removed. The incident "
                "continues from where the evidence ends; the review records it.</p>" + verdict
            )
        more = len(self.ctl.recovering) - 1
        tail = f"<p>{more} more unfinished incident(s) follow.</p>" if more else ""
        self.facts.setHtml(f"<table cellspacing='4'>{table}</table>{verdict}{tail}")
        self.resume.setText(
            "&Continue: revoke and rotate" if open_access else "&Continue the incident"
        )
        self.abort_button.setVisible(not open_access)
        self.resume.setFocus()

    def _resume(self) -> None:
        deps = self.ctl.deps
        incident_id = self.ctl.recovering[0]

        def resume() -> Procedure:
            from breakglass_gui.core.procedure import Procedure

            assert deps is not None
            procedure = Procedure.resume(deps, incident_id)
            if procedure.state is State.ACTIVE:
                procedure.end_session()  # recovery leads into revoke-and-rotate (docs/rules.md §6)
            return procedure

        self.ctl.run(
            self,
            resume,
            self.ctl.adopt,
            context="Recovery",
            busy="Replaying the journal…",
        )

    def _abort(self) -> None:
        deps = self.ctl.deps
        incident_id = self.ctl.recovering[0]

        def load() -> Procedure:
            from breakglass_gui.core.procedure import Procedure

            assert deps is not None
            return Procedure.resume(deps, incident_id)

        def loaded(procedure: Procedure) -> None:
            self.ctl.adopt(procedure)
            self.ctl.abort_incident(self)

        self.ctl.run(self, load, loaded, context="Recovery", busy="Replaying the journal…")
