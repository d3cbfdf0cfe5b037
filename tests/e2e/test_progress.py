"""Every long operation shows progress (issue 6): whatever goes to a worker because of the
operator — starting, declaring, each sign-off, unsealing, the Vault login, the MFA code, each
role assumption, the console link, revoke-and-rotate, the review — starts with a busy bar on
screen and a line saying what is happening; the readiness check shows its own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QProgressBar, QWidget

from breakglass_gui.drill.layout import MEMBERS
from breakglass_gui.ui.dialogs.readiness import ReadinessDialog
from tests.support.gui_driver import GuiDriver


def _busy_bars(window: QWidget) -> list[QProgressBar]:
    return [
        bar for bar in window.findChildren(QProgressBar) if bar.isVisible() and bar.maximum() == 0
    ]


def _what_is_happening(d: GuiDriver) -> str:
    page: Any = d.window.current
    return str(page.intro_label.text() if page.name == "startup" else page.busy_label.text())


def test_every_operation_starts_with_progress_on_screen(gui, tmp_path: Path) -> None:
    seen: list[tuple[str, int, str]] = []

    def watch(d: GuiDriver) -> None:
        run = d.ctl.steps.run

        def watched(fn: Callable[[], Any], done: Callable[[Any], None]) -> None:
            seen.append((d.window.current.name, len(_busy_bars(d.window)), _what_is_happening(d)))
            run(fn, done)

        d.ctl.steps.run = watched  # type: ignore[method-assign]

    d = gui(before_start=watch)
    d.to_session(MEMBERS[:1])
    d.open_console(MEMBERS[0])
    d.end_session()
    d.wait_rotated()
    d.export_review(tmp_path / "review")
    d.close_incident()

    pages = [page for page, _bars, _text in seen]
    for page in ("startup", "emergency", "approvals", "vault", "mfa", "accounts", "session"):
        assert page in pages, pages
    assert pages.count("approvals") >= 2 and pages.count("vault") >= 4  # 3 shares + login
    assert pages.count("review") >= 2  # export, close
    without = [(page, text) for page, bars, text in seen if bars != 1 or not text.strip()]
    assert without == [], without


def test_the_readiness_check_shows_progress_while_it_runs(gui) -> None:
    d = gui()
    d.wait_page("emergency")
    dialog = ReadinessDialog(d.ctl, d.window)
    dialog.show()
    assert _busy_bars(dialog) == []
    dialog.run_checks()
    assert _busy_bars(dialog) == [dialog.progress]
    assert "Checking" in dialog.summary.text()
    d.wait(lambda: not dialog.running, 60_000)
    assert _busy_bars(dialog) == []
    assert dialog.table.rowCount() > 0 and "passed" in dialog.summary.text()
    dialog.close()
