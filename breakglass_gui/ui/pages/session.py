"""§3 The session window: one row per account session (console, copy URL, countdown,
re-issue), add account, the live activity panel, and End session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
)

from breakglass_gui.core.errors import BreakGlassError
from breakglass_gui.core.humane import remaining
from breakglass_gui.ui import theme
from breakglass_gui.ui.layout_memory import layout_store, remember
from breakglass_gui.ui.pages.base import Page, wrapped
from breakglass_gui.ui.text import plain_label
from breakglass_gui.ui.widgets.activity_panel import ActivityPanel
from breakglass_gui.ui.workers import Outcome

if TYPE_CHECKING:
    from breakglass_gui.core.secret import Secret
    from breakglass_gui.ui.controller import Controller

WARN_AT = (600, 120)  # seconds left: warnings at 10 and 2 minutes (docs/rules.md §3)
WATCH_AFTER_MS = 200  # the page is laid out and painted first; then the activity sources start


def countdown(seconds: float) -> str:
    return "expired" if int(seconds) <= 0 else f"{remaining(seconds)} left"


class _Relay(QObject):
    """Carries pushed events (Live Tail, on a worker) to the GUI thread."""

    events = Signal(object)


class SessionRow:
    def __init__(self, page: SessionPage, grid: QGridLayout, row: int, account: str, purpose: str):
        self.account, self.purpose, self.warned = account, purpose, 0
        # The account and, beneath it, whose session it is: the row stays narrow enough for a
        # 1024 px window with the drill panel open.
        kind = "your session" if purpose == "target" else f"service session ({purpose})"
        name = plain_label(f"{page.ctl.account_label(account)}\n{kind}")
        self.left = plain_label()
        self.left.setObjectName(f"countdown-{account}")
        grid.addWidget(name, row, 0)
        grid.addWidget(self.left, row, 2)
        grid.setColumnStretch(1, 1)  # the buttons stay together at the right
        self.buttons: list[QPushButton] = []
        if purpose == "target":
            self.open = self._button(grid, row, 3, "Open console", page.open_console)
            self.copy = self._button(grid, row, 4, "Copy URL", page.copy_url)
        self.reissue = self._button(grid, row, 5, "Re-issue", page.reissue)

    def _button(
        self, grid: QGridLayout, row: int, column: int, text: str, slot: Any
    ) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(f"{text.lower().replace(' ', '-')}-{self.account}")
        button.setAccessibleName(f"{text} for {self.account}")
        # One per account row: Tab reaches it; an Alt+letter would repeat on every row.
        button.setProperty("repeated", True)
        button.clicked.connect(lambda: slot(self.account))
        grid.addWidget(button, row, column)
        self.buttons.append(button)
        return button


class SessionPage(Page):
    name = "session"
    title = "Session — access is open"
    intro = (
        "Work in the AWS console. Everything this incident's sessions do appears below. End the "
        "session as soon as the emergency is handled: access is then revoked and the "
        "break-glass credentials rotated."
    )

    def __init__(self, ctl: Controller) -> None:
        super().__init__(ctl)
        self.degraded = theme.tint(wrapped(), "error", bold=True)
        self.degraded.setObjectName("degraded-banner")
        self.degraded.hide()
        self.body.addWidget(self.degraded)
        store = layout_store(ctl.options.data_dir)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("session-split")
        split.setChildrenCollapsible(False)
        self.sessions_box = QGroupBox("Sessions")
        self.grid = QGridLayout(self.sessions_box)
        split.addWidget(self.sessions_box)
        activity = QGroupBox("Live activity (CloudTrail)")
        self.panel = ActivityPanel(store=store)
        QVBoxLayout(activity).addWidget(self.panel)
        split.addWidget(activity)
        split.setStretchFactor(1, 1)
        split.setSizes([160, 520])
        remember(split, "session/sessions-activity", store)
        self.split = split
        self._shown_incident = ""  # whose activity the panel holds
        self.body.addWidget(split, 1)
        self.add_button = self.button("&Add account…", self._add_account)
        self.widen_button = self.button("&Widen the request…", self._widen)
        self.end_button = self.button("&End session…", self._end, primary=False)
        self.rows: dict[str, SessionRow] = {}
        self.tick = QTimer(self)
        self.tick.setInterval(1000)
        self.tick.timeout.connect(self._tick)
        self.poll_timer = QTimer(self)
        self.poll_timer.timeout.connect(self.poll)
        self.watch_soon = QTimer(self)
        self.watch_soon.setSingleShot(True)
        self.watch_soon.setInterval(WATCH_AFTER_MS)
        self.watch_soon.timeout.connect(self._begin_watching)
        self._polling = False
        self._tail: Any = None
        self._relay = _Relay(self)
        self._relay.events.connect(self.panel.add)

    # ----- life cycle -------------------------------------------------------------------------

    def refresh(self) -> None:
        p = self.ctl.procedure
        assert p is not None
        if p.id != self._shown_incident:  # a new incident starts with an empty panel
            self.panel.clear()
            self._shown_incident = p.id
        self._build_rows()
        self._tick()
        self.tick.start()
        # The activity sources start a beat after the page is up: their first poll builds
        # clients and parses answers on a worker, which would share the GIL with this page's
        # first layout and paint (bench/gui_heartbeat.py; docs/rules.md §13, 50 ms).
        self.watch_soon.start()
        self.end_button.setFocus()

    def _begin_watching(self) -> None:
        self.poll_timer.start(self.ctl.config.monitoring.poll_interval_seconds * 1000)
        self.poll()
        self._start_tail()

    def leave(self) -> None:
        self.tick.stop()
        self.watch_soon.stop()
        self.poll_timer.stop()
        self.stop_tail()

    def _build_rows(self) -> None:
        p = self.ctl.procedure
        assert p is not None
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.rows.clear()
        wanted = [(a, "target") for a in p.incident.accounts]
        for purpose, account in self.ctl.config.service_accounts().items():
            if all(a != account for a, _ in wanted):
                wanted.append((account, purpose))
        for row, (account, purpose) in enumerate(wanted):
            self.rows[account] = SessionRow(self, self.grid, row, account, purpose)

    def _tick(self) -> None:
        p = self.ctl.procedure
        if p is None:
            return
        now = p.deps.clock.now()
        for account, row in self.rows.items():
            session = p.sessions.get(account)
            if session is None:
                row.left.setText("no session: Re-issue")
                theme.tint(row.left, "error")
                continue
            left = session.expires - now
            row.left.setText(countdown(left))
            level = sum(1 for mark in WARN_AT if left <= mark)
            theme.tint(row.left, None if level == 0 else ("warn", "error")[level - 1], bold=True)
            if level > row.warned and left > 0 and row.purpose == "target":
                row.warned = level
                minutes = WARN_AT[level - 1] // 60
                self.ctl.notice.emit(
                    "warn",
                    f"The session in {self.ctl.account_label(account)} ends in "
                    f"{minutes} minutes: Re-issue it or end the session.",
                )
        self.panel.set_freshness(p.activity.last_checked(), now)
        failed = [n for n in p.notifications if not n.get("sent")]
        said = []
        if failed:
            said.append(
                "Notifications degraded: the SNS topic could not be reached "
                f"({failed[-1].get('error', 'publish failed')}). The seed's alarms remain the "
                "authoritative alert; tell the security team by phone."
            )
        if p.parts.anchoring.degraded:
            said.append(
                "Checkpoints degraded: the journal could not be anchored in the log account's "
                "bucket (see the journal's anchor.failed entries). The procedure goes on; the "
                "review lists what was not anchored."
            )
        self.degraded.setText("\n".join(said))
        self.degraded.setVisible(bool(said))

    # ----- activity ---------------------------------------------------------------------------

    def poll(self) -> None:
        p = self.ctl.procedure
        if p is None or self._polling:
            return
        self._polling = True

        def work() -> Any:
            p.keep_vault_alive()  # the token outlives a long session (renewed at half its TTL)
            return p.activity.poll()

        self.ctl.background.run(work, self._polled)

    def _polled(self, outcome: Outcome) -> None:
        self._polling = False
        p = self.ctl.procedure
        if p is not None:
            self.panel.set_freshness(p.activity.last_checked(), p.deps.clock.now())
        if outcome.ok and outcome.value:
            self.panel.add(outcome.value)

    def _start_tail(self) -> None:
        p = self.ctl.procedure
        if p is None or self._tail is not None:
            return
        try:
            source = p.activity.live_tail()
        except BreakGlassError:
            return
        if source is None:
            return
        self._tail = source
        relay = self._relay

        def deliver(events: list[Any]) -> None:
            relay.events.emit(p.activity.deliver(events))

        self.ctl.background.run(lambda: source.run(deliver), lambda _o: None)

    def stop_tail(self) -> None:
        if self._tail is not None:
            self._tail.stop()
            self._tail = None

    # ----- actions ----------------------------------------------------------------------------

    def open_console(self, account: str) -> None:
        p = self.ctl.procedure
        assert p is not None

        def done(_value: object) -> None:
            self.ctl.notice.emit("info", f"Console opened for {self.ctl.account_label(account)}.")
            self.ctl.simulate_activity([account])

        self.ctl.run(
            self,
            lambda: p.open_console(account),
            done,
            context="Open console",
            busy="Getting a sign-in token from the AWS federation endpoint…",
        )

    def copy_url(self, account: str) -> None:
        p = self.ctl.procedure
        assert p is not None

        def done(url: Secret) -> None:
            self.ctl.clipboard.copy(url)
            url.wipe()
            self.ctl.notice.emit(
                "info",
                "Sign-in URL copied (marked secret for clipboard managers); it is cleared from "
                "the clipboard in 20 seconds. Paste it into a private browser window.",
            )

        self.ctl.run(
            self,
            lambda: p.console_url(account),
            done,
            context="Copy URL",
            busy="Getting a sign-in token from the AWS federation endpoint…",
        )

    def reissue(self, account: str) -> None:
        p = self.ctl.procedure
        assert p is not None
        if p.mfa_mode.code_per_session:
            p.forget_session(account)  # the MFA page asks for this account's code next
            self.ctl.route()
            return

        def done(_value: object) -> None:
            self.rows[account].warned = 0
            self._tick()

        self.ctl.run(
            self,
            lambda: p.reissue(account),
            done,
            context="Re-issue",
            busy="Obtaining fresh role credentials…",
        )

    def _add_account(self) -> None:
        p = self.ctl.procedure
        assert p is not None
        p.begin_adding_account()
        self.ctl.route()

    def _widen(self) -> None:
        """An account the approvers did not sign for: a widened request, signed again."""
        p = self.ctl.procedure
        assert p is not None
        choices = p.widenable_accounts()
        if not choices:
            self.show_error(None, "Every account this emergency may reach is already signed for.")
            return
        listed = ", ".join(self.ctl.account_label(a) for a in choices)
        account = self.ctl.options.prompts.text(
            self,
            "Widen the request",
            f"Account id to add ({listed}). Both approvers must sign the widened request; until "
            "they do, no session is opened and Vault is not read (open sessions stay).",
        )
        if not account:
            return
        self.ctl.run(
            self,
            lambda: p.widen_request((account.strip(),)),
            lambda _result: self.ctl.route(),
            context="Widen the request",
            busy="Recording the widened request…",
        )

    def _end(self) -> None:
        self.ctl.end_session(self)
