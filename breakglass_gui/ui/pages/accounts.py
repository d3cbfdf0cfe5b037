"""§2.5 Choose the target accounts; the role is assumed in each (and in the service accounts
the app itself needs). Also "Add account" from the session window."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from breakglass_gui.core.directory import source_note
from breakglass_gui.core.errors import BreakGlassError
from breakglass_gui.core.incident import State
from breakglass_gui.ui import theme
from breakglass_gui.ui.pages.base import Page, wrapped
from breakglass_gui.ui.widgets.account_picker import AccountPicker

if TYPE_CHECKING:
    from breakglass_gui.ui.controller import Controller


class AccountsPage(Page):
    name = "accounts"
    title = "5 · Accounts"
    intro = (
        "Choose the account(s) that need administrator access. The break-glass role is assumed "
        "in each with this incident as the session name and you as the source identity."
    )

    def __init__(self, ctl: Controller) -> None:
        super().__init__(ctl)
        form = self.form()
        self.picker = AccountPicker()
        self.add_field(form, "accounts", "&Accounts", self.picker)
        self.picker.view.setMinimumHeight(160)
        self.picker.view.setMaximumHeight(360)
        self.service = theme.note(wrapped())
        self.body.addWidget(self.service)
        self.body.addStretch(1)
        self.back = self.button("&Back to the session", self._back)
        self.go = self.button("&Open access", self._go, primary=True)

    def refresh(self) -> None:
        p = self.ctl.procedure
        assert p is not None
        config = self.ctl.config
        adding = p.state is State.ACTIVE
        assert self.ctl.deps is not None
        approved = p.incident.request.accounts
        directory = self.ctl.deps.directory.accounts()
        choices = [a for a in directory if not adding or a.id not in p.incident.accounts]
        self.picker.set_accounts(
            choices,
            allowed=p.allowed_accounts(),
            checked=() if adding else approved,
            reason="Not in the request the approvers signed, or outside the emergency type.",
        )
        direct = p.mfa_mode.code_per_session
        self.go.setText(
            "&Add account" if adding else ("&Next: MFA code" if direct else "&Open access")
        )
        self.back.setVisible(adding)
        services = ", ".join(
            f"{purpose}: {self.ctl.account_label(account)}"
            for purpose, account in config.service_accounts().items()
        )
        self.service.setText(
            "The app also opens service sessions it needs for itself — " + services + ". They "
            "are shown in the session window and revoked at the end."
        )
        now = datetime.fromtimestamp(self.ctl.deps.clock.now(), UTC)
        note, stale = source_note(self.ctl.deps.directory, now, config.directory.max_age_days)
        self.picker.set_source(note, stale=stale)
        self.picker.setFocus()

    def _back(self) -> None:
        p = self.ctl.procedure
        if p is not None:
            p.stop_adding_account()
        self.ctl.route()

    def _go(self) -> None:
        p = self.ctl.procedure
        assert p is not None
        chosen = self.picker.chosen()
        if not chosen:
            self._field_errors["accounts"].setText("Choose at least one account.")
            self._field_errors["accounts"].show()
            return
        direct = p.mfa_mode.code_per_session
        if p.state is State.ACTIVE:
            self._add(chosen, direct)
            return
        if direct:
            try:
                p.choose_accounts(chosen)  # checked at once; no network
            except BreakGlassError as exc:
                self.show_error(exc, exc.message)
                return
            self.ctl.route()
            return
        self.ctl.run(
            self,
            lambda: p.activate(chosen),
            lambda _issued: self.ctl.activated(chosen),
            context="Open access",
            busy="Assuming the break-glass role in each account…",
        )

    def _add(self, chosen: tuple[str, ...], direct: bool) -> None:
        p = self.ctl.procedure
        assert p is not None

        def add() -> list[Any]:
            issued = []
            for account in chosen:
                try:
                    issued.append(p.add_account(account))
                except BreakGlassError as exc:
                    if not (direct and exc.code == "needs.code"):
                        raise  # direct mode: the MFA page asks for this account's code next
            return issued

        def done(_issued: list[Any]) -> None:
            self.ctl.activated(chosen)

        self.ctl.run(self, add, done, context="Add account", busy="Assuming the role…")
