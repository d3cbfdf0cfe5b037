"""The UI's one link to the core: starts the world (real or drill), runs every core call on a
worker, routes to the page the procedure needs next, and shuts down cleanly.

Calls into the procedure run one at a time on the `steps` queue (Vorta's one queue per
target); activity polling runs on its own queue so the live panel never waits for a step.

A real start comes in two stages (docs/rules.md §13, cold start): what the first page is shown
from (`Opening`: the config checked, the journal verified and its unfinished incidents), then,
once that page is painted, the procedure's collaborators (`Deps`: AWS clients, the keyring, the
browser, the security key), whose modules the page does not need. Acting waits for the second
(`when_ready`), ~40 ms after the paint; a drill composes both at once, behind its start-up page.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from breakglass_gui.core.errors import BreakGlassError
from breakglass_gui.core.need import Need
from breakglass_gui.ui import qt_namespace
from breakglass_gui.ui.collector import GuiThreadCollector
from breakglass_gui.ui.context import AppOptions
from breakglass_gui.ui.errors import ErrorReporter
from breakglass_gui.ui.widgets.clipboard import SecretClipboard
from breakglass_gui.ui.workers import Outcome, TaskRunner

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from breakglass_gui.core.approval_request import SignedRequest
    from breakglass_gui.core.clock import Clock
    from breakglass_gui.core.config import Config
    from breakglass_gui.core.deps import Deps
    from breakglass_gui.core.directory import AccountDirectory
    from breakglass_gui.core.journal import Journal
    from breakglass_gui.core.mfa_modes import MfaMode
    from breakglass_gui.core.procedure import Procedure
    from breakglass_gui.drill.remote import RemoteDrill


class StepView(Protocol):
    """What a core call needs of the page it runs for (ui/pages/base.py's Page is one)."""

    def start_busy(self, text: str, cancellable: bool) -> int: ...

    def finish_busy(self, token: int) -> bool: ...

    def show_error(self, error: BaseException | None, message: str) -> None: ...

    def window(self) -> QWidget: ...  # the parent of the questions asked for it


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Opening:
    """What the first page is shown from. `Deps` is composed from the same objects."""

    config: Config
    directory: AccountDirectory
    mfa_mode: MfaMode
    clock: Clock
    journal: Journal

    @classmethod
    def of(cls, deps: Deps) -> Opening:
        return cls(deps.config, deps.directory, deps.mfa_mode, deps.clock, deps.journal)


SETTLE_AFTER_MS = 300  # the first page is painted; then the GC freeze, keyring check, warm-up
# A real start (the config read, the journal verified) shows its start-up page only when it
# takes longer than this: a quick one goes straight to the first page, without building a page
# to show for a few milliseconds (docs/rules.md §13) or flashing it. A drill shows it at once.
STARTUP_PAGE_AFTER_MS = 150
PAGES_FOR_NEED: dict[Need, str] = {
    Need.APPROVALS: "approvals",
    Need.VAULT: "vault",
    Need.MFA: "mfa",
    Need.ACCOUNTS: "accounts",
    Need.CODE: "mfa",
    Need.SESSIONS: "session",
    Need.ACTIVE: "session",
    Need.REVOKE: "ending",
    Need.REVIEW: "review",
    Need.CLOSE: "review",
    Need.DONE: "done",
}


class Controller(QObject):
    routed = Signal(str)  # the page to show
    changed = Signal()  # incident, state or world changed (status bar, sidebar)
    notice = Signal(str, str)  # level ("info", "warn", "error"), text
    ready = Signal()  # the world is up and the procedure's collaborators composed (`deps`)
    warmed_up = Signal()  # heavy modules, AWS models and the page modules are loaded

    def __init__(
        self,
        options: AppOptions,
        parent: QObject | None = None,
        *,
        warm_up: Callable[[Deps], None] = lambda deps: None,
    ) -> None:
        super().__init__(parent)
        self.options = options
        self._warm_up = warm_up  # ui/app.py: what is loaded while the first page is read
        self.steps = TaskRunner(self, max_threads=1)
        self.background = TaskRunner(self, max_threads=3)
        self.reporter = ErrorReporter(None, lambda: self.procedure.id if self.procedure else None)
        self.opening: Opening | None = None  # the first stage of a start
        self.deps: Deps | None = None  # the second: acting waits for it (`when_ready`)
        self._waiting: list[Callable[[], None]] = []
        self.drill: RemoteDrill | None = None
        self.procedure: Procedure | None = None
        self.recovering: list[str] = []
        self.journal_problem = ""
        self.start_error = ""
        self.activated_at = 0.0
        self.warmed = False  # the warm-up is over and the window has built every page
        # A page that stays after its step is done, until the operator moves on (the result
        # of revoke-and-rotate): routing shows it instead of the next step's page.
        self.held: str | None = None
        self.clipboard = SecretClipboard(parent=self)
        # Cycles are collected on the GUI thread only, from start to the end of shutdown:
        # a worker must never destroy a QObject of this thread (ui/collector.py).
        self.collector = GuiThreadCollector(self)

    # ----- the world --------------------------------------------------------------------------

    @property
    def config(self) -> Config:
        assert self.opening is not None
        return self.opening.config

    def account_label(self, account_id: str) -> str:
        """ "Name (id)" from the account directory in use, else the id."""
        assert self.opening is not None
        return self.opening.directory.label(account_id)

    def when_ready(self, action: Callable[[], None]) -> None:
        """Run `action` (GUI thread) once `deps` is composed: at once if it is. A click in the
        few milliseconds after the first paint is carried out then, not lost."""
        if self.deps is not None:
            action()
        elif action not in self._waiting:  # a bound method asked twice is the same action
            self._waiting.append(action)

    @property
    def is_drill(self) -> bool:
        return self.drill is not None

    def request_being_signed(self) -> SignedRequest | None:
        """The request text on record while the incident awaits sign-offs (drill panel)."""
        from breakglass_gui.core.approval_request import SignedRequest

        p = self.procedure
        if p is None or not p.incident.awaiting_approval or not p.incident.approval_request:
            return None
        return SignedRequest.from_payload(p.incident.approval_request)

    def start(self) -> None:
        """Drill: start the environment on a worker. Real: load the config (or first run)."""
        self.collector.start()  # before the first worker
        if self.options.drill:
            self.routed.emit("startup")
            self.steps.run(self._start_drill, self._started)
            return
        path = self.options.config_path
        if path is None or not path.exists():
            self.routed.emit("first_run")
            return
        QTimer.singleShot(STARTUP_PAGE_AFTER_MS, self, self._still_starting)
        self.steps.run(lambda: self._start_real(path), self._started)

    def _still_starting(self) -> None:
        if self.opening is None and not self.start_error:
            self.routed.emit("startup")

    def start_drill(self) -> None:
        """From the first-run screen."""
        self.options.drill = True
        self.start()

    def open_config(self, path: Path) -> None:
        self.options.config_path = path
        self.start()

    def _start_drill(self) -> dict[str, Any]:
        from breakglass_gui.core.clock import SystemClock
        from breakglass_gui.core.journal import Journal
        from breakglass_gui.drill.browser import StandInBrowser
        from breakglass_gui.drill.remote import RemoteDrill

        env = RemoteDrill()  # its servers run in a child process
        try:
            env.start()
            journal = Journal(self.options.journal_path(drill=True), SystemClock())
        except BaseException:
            env.stop()
            raise
        deps = env.deps(journal)
        deps.browser = self.options.browser or StandInBrowser(deps.network)
        return {"env": env, "opening": Opening.of(deps), "deps": deps, **self._inspect(journal)}

    def _start_real(self, path: Path) -> dict[str, Any]:
        from breakglass_gui.core import registry
        from breakglass_gui.core.clock import SystemClock
        from breakglass_gui.core.journal import Journal

        config = registry.load_checked(path)
        clock = SystemClock()
        journal = Journal(self.options.journal_path(drill=False), clock)
        opening = Opening(
            config, registry.directory(config), registry.mfa_mode(config), clock, journal
        )
        return {"env": None, "opening": opening, "deps": None, **self._inspect(journal)}

    def _compose(self) -> Deps:
        """The second stage of a real start, on the `steps` worker (a click waiting for it is
        queued behind it there too)."""
        from breakglass_gui.core.deps import production_deps

        opening = self.opening
        assert opening is not None
        deps = production_deps(opening.config, opening.journal, opening.clock)
        deps.directory = opening.directory  # the one the first page read (its snapshot cache)
        if self.options.browser is not None:
            deps.browser = self.options.browser
        return deps

    @staticmethod
    def _inspect(journal: Journal) -> dict[str, Any]:
        """On every launch: verify the chain and find unfinished incidents (docs/rules.md §6)."""
        from breakglass_gui.core import integrity

        verification, unfinished = integrity.inspect(journal)
        return {
            "verified": verification.ok,
            "verification": verification.describe(),
            "unfinished": unfinished,
        }

    def _started(self, outcome: Outcome) -> None:
        if not outcome.ok:
            assert outcome.error is not None
            self.start_error = self._message(outcome.error, "start")
            self.routed.emit("first_run" if not self.options.drill else "startup")
            self.changed.emit()
            return
        value = outcome.value
        self.drill, self.opening = value["env"], value["opening"]
        journal = self.opening.journal
        self.reporter.attach(journal)
        if not value["verified"]:
            self.journal_problem = value["verification"]
            journal.append(None, "journal.break_detected", {"detail": value["verification"]})
            self.notice.emit("error", f"The journal failed verification: {value['verification']}")
        self.recovering = list(value["unfinished"])
        if value["deps"] is not None:  # a drill: composed with its world
            self._ready(value["deps"])
        else:
            # Composed once the first page is painted (the `Qt` namespace is made right after
            # that paint: ui/qt_namespace.py), so nothing competes with the paint for the GIL.
            qt_namespace.after_first_paint(lambda: self.steps.run(self._compose, self._composed))
        self.route()

    def _composed(self, outcome: Outcome) -> None:
        if not outcome.ok:  # as a failed start: said on the first-run screen
            assert outcome.error is not None
            self.start_error = self._message(outcome.error, "start")
            self.opening, self._waiting = None, []
            self.routed.emit("first_run")
            self.changed.emit()
            return
        self._ready(outcome.value)

    def _ready(self, deps: Deps) -> None:
        self.deps = deps
        self.ready.emit()
        self.changed.emit()
        waiting, self._waiting = self._waiting, []
        for action in waiting:
            action()
        # A beat after the first page is up (its paint is done in a few ms): nothing competes
        # with the cold start (docs/rules.md §13), and no operator acts within it.
        QTimer.singleShot(SETTLE_AFTER_MS, self._settle)

    def _settle(self) -> None:
        # A full collection walks every object and holds the GIL meanwhile; over the heap of
        # Qt and the botocore models that is a 100+ ms pause of the GUI thread, and even here,
        # before the warm-up, 30-50 ms (bench/gui_heartbeat.py). What exists now lives as long
        # as the app: it is frozen out of the collector's reach without a collection first
        # (gc.freeze is a list splice); the few start-up objects already garbage stay.
        gc.freeze()
        gc.set_threshold(20_000, 20, 20)  # fewer, smaller pauses for the young generations
        assert self.deps is not None
        self.background.run(self.deps.totp_secrets.check, self._secrets_checked)
        deps = self.deps
        self.background.run(lambda: self._warm_up(deps), self._warmed)

    def _secrets_checked(self, outcome: Outcome) -> None:
        """No usable OS keyring: said at start, not first at the approvers' sign-off (docs/rules.md
        §2.2)."""
        if not outcome.ok:
            assert outcome.error is not None
            message = self._message(outcome.error, "keyring")
            consequence = "Approver sign-offs and enrolment cannot work until it is fixed."
            self.notice.emit("error", f"{message} {consequence}")

    def _warmed(self, outcome: Outcome) -> None:
        gc.freeze()  # the warm-up's modules and models, too: no full collection walks them
        self.warmed_up.emit()

    # ----- routing ----------------------------------------------------------------------------

    def page_for(self) -> str:
        if self.opening is None:
            return "startup"
        p = self.procedure
        if p is None:
            return "recovery" if self.recovering else "emergency"
        return self.held or PAGES_FOR_NEED[p.needs()]

    def hold(self, page: str) -> None:
        self.held = page

    def release(self) -> None:
        """The held page was read: on to what the procedure needs next."""
        self.held = None
        self.route()

    def route(self) -> None:
        self.routed.emit(self.page_for())
        self.changed.emit()

    # ----- running core calls -----------------------------------------------------------------

    def _message(self, error: BaseException, context: str) -> str:
        if not isinstance(error, BreakGlassError):
            log.error("unexpected %s in %s", type(error).__name__, context)
        return self.reporter.report(error, context=context)

    def run(
        self,
        page: StepView,
        fn: Callable[[], Any],
        done: Callable[[Any], None] | None = None,
        *,
        context: str,
        busy: str,
        cancellable: bool = False,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run `fn` on the steps queue with the page busy; then apply the result and re-route."""
        token = page.start_busy(busy, cancellable)

        def finished(outcome: Outcome) -> None:
            if not page.finish_busy(token):
                return
            if outcome.ok:
                if done is not None:
                    done(outcome.value)
            else:
                assert outcome.error is not None
                message = self._message(outcome.error, context)
                page.show_error(outcome.error, message)
                if failed is not None:
                    failed(outcome.error)
            self.route()

        self.steps.run(fn, finished)

    # ----- incident life ----------------------------------------------------------------------

    def adopt(self, procedure: Procedure) -> None:
        self.procedure = procedure
        if procedure.id in self.recovering:
            self.recovering.remove(procedure.id)
        self.changed.emit()

    def activated(self, accounts: tuple[str, ...]) -> None:
        """Access is open in `accounts`: in a drill the simulated operator starts working."""
        if not self.activated_at:
            self.activated_at = time.time()
        self.simulate_activity(list(accounts))

    def abort_incident(self, page: StepView) -> None:
        """Before ACTIVE only (the core refuses otherwise); the reason is journaled."""
        p = self.procedure
        if p is None:
            return
        if not self.options.prompts.confirm(
            page.window(),
            "Abort incident",
            f"Abort {p.id}? Its request and any sign-offs become void (access was never "
            "opened); a new emergency needs a new request and new approvals.",
        ):
            return
        reason = self.options.prompts.text(
            page.window(), "Abort incident", f"Why is {p.id} aborted? (journaled)"
        )
        if reason is None:
            return
        self.run(
            page,
            lambda: p.abort(reason),
            lambda _none: self.forget_incident(),
            context="Abort incident",
            busy="Aborting…",
        )

    def end_session(self, page: StepView) -> None:
        p = self.procedure
        if p is None:
            return
        if not self.options.prompts.confirm(
            page.window(),
            "End session",
            "End the session now? Every role session is revoked and the break-glass "
            "credentials are rotated. You will not be able to use the console after this.",
        ):
            return
        self.run(page, p.end_session, None, context="End session", busy="Ending the session…")

    def forget_incident(self) -> None:
        self.procedure = None
        self.held = None
        self.activated_at = 0.0
        self.changed.emit()

    def simulate_activity(self, accounts: list[str]) -> None:
        """Drill: the simulated operator works in these accounts, so the live panel moves."""
        env, p = self.drill, self.procedure
        if env is None or p is None:
            return
        since = self.activated_at or time.time()
        user = p.incident.vault_user or self.config.vault.default_user

        def done(outcome: Outcome) -> None:
            if not outcome.ok:
                log.warning("drill activity simulation failed: %s", type(outcome.error).__name__)

        self.background.run(
            lambda: env.simulate_activity(p.id, p.incident.source_identity, user, accounts, since),
            done,
        )

    # ----- shutdown ---------------------------------------------------------------------------

    def shutdown(self, done: Callable[[], None]) -> None:
        """Drop secrets, revoke the Vault token, stop the drill: on a worker, then `done`."""
        procedure, env, opening = self.procedure, self.drill, self.opening
        self.clipboard.clear()

        background = self.background

        def work() -> None:
            background.wait(10_000)  # a poll in flight finishes first (on this worker, not the GUI)
            if procedure is not None:
                procedure.shutdown()
            if env is not None:
                env.stop()
            if opening is not None:
                opening.journal.close()

        def finished(outcome: Outcome) -> None:
            if not outcome.ok:
                log.error("shutdown: %s", type(outcome.error).__name__)
            self.collector.stop()  # every worker of ours is done: the interpreter's own again
            done()

        self.steps.run(work, finished)
