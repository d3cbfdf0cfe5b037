"""§2.1 Declare the emergency: what happened, why access is needed, for how long, by whom."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QSpinBox

from breakglass_gui.core.config.model import EmergencyKind
from breakglass_gui.core.directory import scope_of, source_note
from breakglass_gui.core.emergency import MIN_JUSTIFICATION, emergency_problems
from breakglass_gui.core.errors import ConfigError, ProcedureError
from breakglass_gui.core.text import visible
from breakglass_gui.ui import theme
from breakglass_gui.ui.pages.base import Page
from breakglass_gui.ui.text import plain_label
from breakglass_gui.ui.widgets.account_picker import AccountPicker

if TYPE_CHECKING:
    from breakglass_gui.core.procedure import Procedure
    from breakglass_gui.ui.controller import Controller


class EmergencyPage(Page):
    name = "emergency"
    title = "1 · Declare the emergency"
    intro = (
        "Say what is broken and why emergency access is needed. The approvers sign exactly "
        "this request; every step from here on is journaled."
    )

    def __init__(self, ctl: Controller) -> None:
        super().__init__(ctl)
        form = self.form()
        self.type = QComboBox()  # the config's emergency types, filled by refresh()
        self.type.currentIndexChanged.connect(self._type_changed)
        self.add_field(form, "type", "Emergency &type", self.type)
        self.other = QLineEdit()
        self.other.setPlaceholderText("Describe the emergency")
        self.add_field(form, "other_text", "&Other (describe)", self.other)
        self.justification = QPlainTextEdit()
        self.justification.setTabChangesFocus(True)
        self.justification.setPlaceholderText(
            "What is broken, what you will do with administrator access, and why it cannot wait."
        )
        self.justification.setFixedHeight(110)
        self.justification.textChanged.connect(self._count)
        self.add_field(form, "justification", "&Justification", self.justification)
        self.counter = plain_label()
        theme.note(self.counter)
        form.addRow("", self.counter)
        self.reference = QLineEdit()
        self.reference.setPlaceholderText("Optional: ticket or incident reference")
        self.add_field(form, "reference", "&Reference", self.reference)
        self.duration = QSpinBox()
        self.duration.setSuffix(" minutes")
        self.add_field(form, "duration", "D&uration", self.duration)
        self.operator = QComboBox()
        self.add_field(form, "operator", "O&perator", self.operator)
        self.accounts = AccountPicker()
        self.accounts.view.setMaximumHeight(150)
        self.add_field(
            form,
            "accounts",
            "Accou&nts",
            self.accounts,
            note="Required: the approvers sign for exactly these accounts, and no other can be "
            "opened under this request.",
        )
        self.body.addStretch(1)
        # Declaring acts through the procedure's collaborators: a click in the moment before they
        # are composed waits for them (ui/controller.py, `when_ready`), once however often it came.
        self.declare = self.button(
            "De&clare emergency", lambda: self.ctl.when_ready(self._declare), primary=True
        )
        # The type and the accounts are filled by refresh(), when the page is entered: following
        # the (still empty) type here as well ticked every account twice before the first
        # paint (docs/rules.md §13, cold start).
        self.other.setEnabled(False)
        self._count()

    def refresh(self) -> None:
        config = self.ctl.config
        chosen = self.type.currentData()
        # Refilled without a signal per item: the accounts follow the type once, below (each
        # follow re-ticks every account; three of them were a third of the first paint's cost).
        blocker = QSignalBlocker(self.type)
        self.type.clear()
        for kind in config.emergency_types:
            self.type.addItem(visible(kind.name), kind.name)
        if chosen is not None:
            self.type.setCurrentIndex(max(0, self.type.findData(chosen)))
        blocker.unblock()
        session = config.session
        self.duration.setRange(15, session.max_duration // 60)
        self.duration.setValue(min(session.default_duration, session.max_duration) // 60)
        current = self.operator.currentData()
        self.operator.clear()
        for operator in config.operators:
            self.operator.addItem(f"{operator.name} ({operator.id})", operator.id)
        if current is not None:
            self.operator.setCurrentIndex(max(0, self.operator.findData(current)))
        self._type_changed()
        self.type.setFocus()

    def set_inputs_enabled(self, enabled: bool) -> None:
        super().set_inputs_enabled(enabled)
        if enabled:
            self.other.setEnabled(self._kind_describes())

    def _kind(self) -> EmergencyKind | None:
        opening = self.ctl.opening
        return opening.config.emergency_type(str(self.type.currentData())) if opening else None

    def _kind_describes(self) -> bool:
        kind = self._kind()
        return kind is not None and kind.describe

    def _type_changed(self) -> None:
        """The description field and the accounts follow the type (its scope, if any)."""
        self.other.setEnabled(self._kind_describes())
        opening, kind = self.ctl.opening, self._kind()
        if opening is None:
            return
        try:
            listed = opening.directory.accounts()
        except ConfigError as exc:  # the Organizations snapshot is missing or unreadable
            problem = ProcedureError(exc.problems[0], field="accounts")
            self.show_error(problem, problem.message)
            return
        self.accounts.set_accounts(
            listed,
            allowed=scope_of(opening.directory, kind) if kind is not None and kind.scoped else (),
            checked=self.accounts.chosen(),
            reason="Outside the accounts this type of emergency may reach.",
        )
        now = datetime.fromtimestamp(opening.clock.now(), UTC)
        note, stale = source_note(opening.directory, now, opening.config.directory.max_age_days)
        self.accounts.set_source(note, stale=stale)

    def _count(self) -> None:
        n = len(self.justification.toPlainText().strip())
        self.counter.setText(f"{n} characters (at least {MIN_JUSTIFICATION})")

    def _values(self) -> dict[str, object]:
        return {
            "emergency_type": str(self.type.currentData()),
            "other_text": self.other.text(),
            "justification": self.justification.toPlainText(),
            "operator": str(self.operator.currentData() or ""),
            "duration_seconds": self.duration.value() * 60,
            "accounts": self.accounts.chosen(),
        }

    def _declare(self) -> None:
        self.clear_errors()
        values = self._values()
        assert self.ctl.deps is not None
        problems = emergency_problems(self.ctl.deps, **values)  # type: ignore[arg-type]
        if problems:
            for problem in problems:
                self.show_error(problem, problem.message)
            return
        deps = self.ctl.deps
        reference = self.reference.text()

        def declare() -> Procedure:
            from breakglass_gui.core.procedure import Procedure

            assert deps is not None
            procedure = Procedure.declare(deps, reference=reference, **values)  # type: ignore[arg-type]
            # The text the approvers sign is made and journaled here, on the worker, not by
            # the approvals page on the GUI thread (a journal write; docs/rules.md §13).
            procedure.approval_request()
            return procedure

        self.ctl.run(
            self,
            declare,
            self._declared,
            context="Declare the emergency",
            busy="Journaling the new incident…",
        )

    def _declared(self, procedure: Procedure) -> None:
        self.ctl.adopt(procedure)
        self.justification.clear()
        self.other.clear()
        self.reference.clear()
