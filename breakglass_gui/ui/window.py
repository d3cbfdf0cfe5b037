"""The main window: DRILL banner, notices, the steps of the procedure on the left, the current
page, the drill panel on the right in a drill, and a status line with the incident and state.

Pages are chosen by the controller from what the procedure needs next; closing the window
never leaves access open silently (docs/rules.md §3, §6)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QListWidget,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from breakglass_gui.core.incident import BEFORE_ACTIVE, State
from breakglass_gui.ui import qt_namespace
from breakglass_gui.ui.controller import Controller
from breakglass_gui.ui.pages import PAGES
from breakglass_gui.ui.pages.base import Page
from breakglass_gui.ui.qt_namespace import USER_ROLE, set_by_name
from breakglass_gui.ui.tab_order import chain_order, follow
from breakglass_gui.ui.text import plain_label
from breakglass_gui.ui.widgets.banner import NoticeBar, drill_banner
from breakglass_gui.ui.widgets.page_stack import PageStack

if TYPE_CHECKING:
    from PySide6.QtGui import QAction, QCloseEvent


class Pages(dict[str, Page]):
    """The window's pages, each built on first use and kept (a dict that fills itself)."""

    def __init__(self, ctl: Controller, stack: PageStack) -> None:
        super().__init__()
        self._ctl = ctl
        self._stack = stack

    def __missing__(self, name: str) -> Page:
        page = PAGES[name]()(self._ctl)
        self._stack.add_page(page)
        self[name] = page
        return page


STEPS = (
    ("emergency", "1  Emergency"),
    ("approvals", "2  Approvals"),
    ("vault", "3  Vault"),
    ("mfa", "4  MFA code"),
    ("accounts", "5  Accounts"),
    ("session", "    Session"),
    ("ending", "6  Revoke and rotate"),
    ("review", "7  Review"),
)
OPEN_ACCESS = (State.ACTIVE, State.ENDING, State.REVOKED)
MENUS = ("&Incident", "Ad&ministration", "He&lp")  # Help's Alt+L: Alt+H is a field on two pages


class MainWindow(QMainWindow):
    # Emitted once the window has shut the app's work down and closed (ui/app.py quits on it).
    # Qt's own "last window closed" never comes: the window is hidden at once, while the
    # shutdown runs on a worker, and a hidden window's close does not count as the last one.
    closed = Signal()

    def __init__(self, ctl: Controller) -> None:
        super().__init__()
        self.ctl = ctl
        self.setWindowTitle("Break Glass")
        self.resize(1280, 800)
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.banner = drill_banner()
        self.banner.hide()
        outer.addWidget(self.banner)
        self.notices = NoticeBar()
        outer.addWidget(self.notices)
        row = QHBoxLayout()
        self.steps = QListWidget()
        self.steps.setObjectName("steps")
        set_by_name(self.steps, "focusPolicy", "NoFocus")
        # As wide as its longest step, never a fixed width (issue 19): a larger font or
        # another language widens it.
        longest = max(self.steps.fontMetrics().horizontalAdvance(label) for _, label in STEPS)
        self.steps.setMinimumWidth(longest + 24)
        self.steps.setMaximumWidth(longest + 28)
        self.steps.setAccessibleName("Procedure steps")
        # Where the procedure is, not a menu: the app moves through the steps in order, so the
        # list takes no click, no hover and no focus (issue 19). The attribute has no property
        # to set by name: it waits for the `Qt` namespace, made once the first page is painted.
        qt_namespace.after_first_paint(self._steps_take_no_mouse)
        row.addWidget(self.steps)
        self.stack = PageStack()
        row.addWidget(self.stack, 1)
        outer.addLayout(row, 1)
        self.setCentralWidget(central)
        self.pages = Pages(ctl, self.stack)  # none yet: the controller routes to the first
        self.state_label = plain_label()
        self.state_label.setMinimumWidth(360)
        self.statusBar().addPermanentWidget(self.state_label)
        self.drill_dock: QDockWidget | None = None
        self._closing = False
        # The menus' titles now; their actions (QAction, its icons' and key sequences' Python
        # types, ~4 ms) once the first page is painted (ui/qt_namespace.py): nobody opens a
        # menu or presses Ctrl+Q in that moment, and the menu bar does not move.
        self.menus = [self.menuBar().addMenu(title) for title in MENUS]
        self.abort_action: QAction | None = None
        self.enrol_action: QAction | None = None
        self.readiness_action: QAction | None = None
        qt_namespace.after_first_paint(self._fill_menus)
        ctl.routed.connect(self.show_page)
        ctl.warmed_up.connect(self._build_remaining_pages)
        ctl.changed.connect(self._update_status)
        ctl.notice.connect(self.notices.show_notice)
        ctl.ready.connect(self._ready)
        # A bound method, not a lambda: Qt drops the connection with the window, so a report
        # after the window is gone (the controller outlives it in tests) reaches nothing.
        ctl.reporter.shown.connect(self._show_report)

    def _steps_take_no_mouse(self) -> None:
        self.steps.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)

    def _show_report(self, title: str, text: str) -> None:
        self.statusBar().showMessage(f"{title}: {text}", 15000)

    def _fill_menus(self) -> None:
        from PySide6.QtGui import QAction, QKeySequence

        incident, admin, help_menu = self.menus
        self.abort_action = QAction("&Abort incident…", self)
        self.abort_action.triggered.connect(lambda: self.ctl.abort_incident(self.current))
        incident.addAction(self.abort_action)
        quit_action = QAction("&Quit", self)
        # The platform's Quit keys, and Ctrl+Q everywhere: Windows and Qt's offscreen platform
        # define no Quit key at all, and an operator should not need to know that.
        keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Quit)
        ctrl_q = QKeySequence("Ctrl+Q")
        quit_action.setShortcuts([*keys, ctrl_q] if ctrl_q not in keys else keys)
        quit_action.triggered.connect(self.close)
        incident.addAction(quit_action)
        self.enrol_action = QAction("&Enrol an approver…", self)
        self.enrol_action.triggered.connect(self.enrol)
        admin.addAction(self.enrol_action)
        self.readiness_action = QAction("&Readiness check…", self)
        self.readiness_action.triggered.connect(self.readiness)
        admin.addAction(self.readiness_action)
        guide = QAction("&Operator guide", self)
        # Every binding, as for Quit; QKeySequence(StandardKey) would make the `Qt` namespace.
        guide.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.HelpContents))
        guide.triggered.connect(self.guide)
        help_menu.addAction(guide)
        about = QAction("&About Break Glass", self)
        about.triggered.connect(self.about)
        help_menu.addAction(about)
        self._update_status()

    # ----- pages ------------------------------------------------------------------------------

    def _leave_current(self) -> None:
        if self.stack.currentWidget() is not None:  # none before the first page is routed
            self.current.leave()

    @property
    def current(self) -> Page:
        page = self.stack.currentWidget()
        assert isinstance(page, Page)
        return page

    def _build_remaining_pages(self) -> None:
        """After the warm-up: the pages not shown yet, built on the GUI thread a step per
        event-loop turn, so none is built in the middle of the emergency and no turn is long
        (docs/rules.md §13: never blocked > 50 ms). A page takes three steps of ≤ ~15 ms: its
        module imported (~13 ms for the approvals and session pages), the page built, then
        what its first show would cost besides (every child polished, every layout sized),
        paid while it is hidden, at the stack's size."""
        steps = self._page_steps()

        def next_step() -> None:
            if next(steps, None) is not None:
                QTimer.singleShot(0, self, next_step)  # the window as context: none after it

        next_step()

    def _page_steps(self) -> Iterator[str]:
        for name in [name for name in PAGES if name not in self.pages]:
            PAGES[name]()
            yield name
            if name in self.pages:  # shown meanwhile: built and laid out by then
                continue
            page = self.pages[name]
            yield name
            page.ensurePolished()
            page.resize(self.stack.size())
            layout = page.layout()
            if layout is not None:
                layout.activate()
            yield name
        self.ctl.warmed = True

    def show_page(self, name: str) -> None:
        page = self.pages[name]
        if page is self.stack.currentWidget() and name != "startup":
            return
        self._leave_current()
        page.prepare()
        self.stack.show_page(page)
        page.enter()
        # Threading the chain reads focus policies, which makes the `Qt` namespace: on the first
        # page, once it is painted (ui/qt_namespace.py); the operator cannot press Tab before.
        qt_namespace.after_first_paint(self._order_tabs)
        qt_namespace.load_after_paint(page)
        self._update_steps(name)

    def _order_tabs(self) -> None:
        """Tab reads the window as the eye does: the notice, the page, then the drill panel.
        Pages are built after the drill panel (and the session page adds its rows when shown),
        so the order is set from the layouts each time a page is shown."""
        dock = self.drill_dock.widget() if self.drill_dock is not None else None
        follow(
            chain_order(self.notices)
            + chain_order(self.current)
            + (chain_order(dock) if dock is not None else [])
        )

    def _update_steps(self, name: str) -> None:
        opening = self.ctl.opening
        direct = opening is not None and opening.mfa_mode.code_per_session
        steps = list(STEPS)
        if direct:
            steps[3], steps[4] = ("accounts", "4  Accounts"), ("mfa", "5  MFA code")
        self.steps.clear()
        for key, label in steps:
            self.steps.addItem(label)
            item = self.steps.item(self.steps.count() - 1)
            item.setData(USER_ROLE, key)
            if key == name:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
                self.steps.setCurrentItem(item)

    def _update_status(self) -> None:
        p = self.ctl.procedure
        drill = "DRILL · " if self.ctl.is_drill else ""
        if p is None and self.ctl.recovering:
            # What is being recovered, from the first screen on (the journal's verdict).
            waiting = ", ".join(self.ctl.recovering)
            self.state_label.setText(f"{drill}recovering unfinished: {waiting}")
            self.setWindowTitle(f"Break Glass — recovering {waiting}{' — DRILL' if drill else ''}")
        elif p is None:
            self.state_label.setText(f"{drill}no incident")
            self.setWindowTitle(f"Break Glass{' — DRILL' if drill else ''}")
        else:
            self.state_label.setText(f"{drill}{p.id} · {p.state.value}")
            self.setWindowTitle(
                f"Break Glass — {p.id} ({p.state.value}){' — DRILL' if drill else ''}"
            )
        if self.abort_action is None or self.enrol_action is None or self.readiness_action is None:
            return  # the menus are filled after the first paint, and updated then
        self.abort_action.setEnabled(p is not None and p.state in BEFORE_ACTIVE)
        ready = self.ctl.deps is not None
        self.enrol_action.setEnabled(ready)
        self.readiness_action.setEnabled(ready)

    def _ready(self) -> None:
        env = self.ctl.drill
        self.banner.setVisible(env is not None)
        if env is not None and self.drill_dock is None:
            from breakglass_gui.ui.widgets.drill_panel import DrillPanel

            dock = QDockWidget("Drill panel", self)
            dock.setObjectName("drill-dock")
            dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
            drill_panel = DrillPanel(env, self.ctl.request_being_signed)
            self.ctl.changed.connect(drill_panel.refresh)  # e.g. hide the shares once unsealed
            dock.setWidget(drill_panel)
            dock.setMinimumWidth(220)
            self.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, dock)
            # Resizable by its edge, never a fixed width: starts at a quarter of the window.
            self.resizeDocks(
                [dock], [min(320, self.width() // 4)], QtCore.Qt.Orientation.Horizontal
            )
            dock.show()
            self.drill_dock = dock
            self._order_tabs()
        if self.ctl.journal_problem:
            self.notices.show_notice("error", f"Journal check failed: {self.ctl.journal_problem}")

    # ----- administration ---------------------------------------------------------------------

    def enrol(self) -> None:
        from breakglass_gui.ui.dialogs.enrolment import EnrolmentDialog

        EnrolmentDialog(self.ctl, self).exec()

    def guide(self) -> None:
        from breakglass_gui.ui.dialogs.about import GuideDialog

        GuideDialog(self).open()

    def about(self) -> None:
        from breakglass_gui.ui.dialogs.about import AboutDialog

        AboutDialog(self.ctl, self).open()

    def readiness(self) -> None:
        from breakglass_gui.ui.dialogs.readiness import ReadinessDialog

        ReadinessDialog(self.ctl, self).exec()

    # ----- closing ----------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closing:
            event.accept()
            return
        event.ignore()
        if not self._may_quit():
            return
        self._closing = True
        self._leave_current()
        self.hide()
        self.ctl.shutdown(self._closed)

    def _closed(self) -> None:
        self.close()
        self.closed.emit()

    def _may_quit(self) -> bool:
        """Never leave access open silently: ask, and journal an unfinished quit."""
        p = self.ctl.procedure
        prompts = self.ctl.options.prompts
        if p is not None and p.state is State.ACTIVE:
            if prompts.confirm(
                self,
                "Access is open",
                "The session is still active. End it now (revoke every session and rotate the "
                "credentials)? Choose No to stay in the session.",
            ):
                self.ctl.run(
                    self.current,
                    p.end_session,
                    None,
                    context="End session",
                    busy="Ending the session…",
                )
            return False
        unfinished = (p is not None and not p.incident.finished) or (
            p is None and bool(self.ctl.recovering)
        )
        if not unfinished:
            return True
        if not prompts.confirm(
            self,
            "Unfinished incident",
            "The incident is not finished. Quit anyway? It will be shown again, first, the next "
            "time Break Glass starts.",
        ):
            return False
        incident = p.id if p is not None else self.ctl.recovering[0]
        assert self.ctl.opening is not None
        self.ctl.opening.journal.append(
            incident, "app.quit_unfinished", {"state": p.state.value if p else "recovery"}
        )
        return True
