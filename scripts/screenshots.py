#!/usr/bin/env python3
"""Regenerate docs/screenshots/*.png: every page of a GUI drill at 1280×800, offscreen.

    .venv/bin/python scripts/screenshots.py                       # docs/screenshots
    .venv/bin/python scripts/screenshots.py --palettes light,dark --scale 2 --out DIR

With several palettes, every screen is shown and pictured in each of them in turn (the app
follows a palette change while it runs): light in DIR, the others in DIR/<palette>/. Every
picture is also audited (tests/support/screen_audit.py): text cut by its widget, text widgets
overlapping, inputs without an accessible name, a Tab order that does not follow the page,
controls without a unique Alt+letter, a window grown past --size, and in the session window an
event-name column out of view. Problems are printed as LAYOUT lines (an exception in a slot as
a CRASH line) and the exit status is 1; tests/ui/test_screens.py runs this in light and dark
palettes at 100 % scale in 1024×700 and at 200 % in 1280×800 (one drill per run: the scale
must be set before Qt starts, a palette can change at any time), with --audit-only: every
screen painted and audited, no picture written. With the default --out, the
review PDF's first page is pictured too (docs/screenshots/review-pdf-page-1.png; pdftoppm).

Drives the real widgets through a drill (its OpenBao starts sealed: the unseal sub-step shows),
then relaunches over an unfinished incident for the recovery screen. The drill's secrets in
the pictures are random per run and belong to a simulated world that no longer exists.
"""

from __future__ import annotations

import faulthandler
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# A crash in Qt's C++ kills the process with SIGSEGV and no Python traceback; with this, the
# thread stacks go to stderr, which tests/ui/test_screens.py shows when the run fails (one such
# crash was seen once on a loaded machine, and could not be reproduced).
faulthandler.enable()

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OUT = ROOT / "docs" / "screenshots"
DOCS = OUT  # the README's pictures (the review PDF's page 1 is made only there)


def dark_desktop(app: object) -> None:
    """What a dark desktop theme hands Qt: the Fusion style with a dark palette."""
    from PySide6.QtGui import QColor, QPalette

    roles = QPalette.ColorRole
    colours = {
        roles.Window: "#2b2b2b",
        roles.WindowText: "#e6e6e6",
        roles.Base: "#1f1f1f",
        roles.AlternateBase: "#2f2f2f",
        roles.Text: "#e6e6e6",
        roles.Button: "#353535",
        roles.ButtonText: "#e6e6e6",
        roles.Highlight: "#2a82da",
        roles.HighlightedText: "#ffffff",
        roles.PlaceholderText: "#9a9a9a",
        roles.ToolTipBase: "#353535",
        roles.ToolTipText: "#e6e6e6",
        roles.Link: "#8ab4f8",
    }
    palette = QPalette()
    for role, value in colours.items():
        palette.setColor(role, QColor(value))
    app.setStyle("Fusion")  # type: ignore[attr-defined]
    app.setPalette(palette)  # type: ignore[attr-defined]


def light_desktop(app: object, style: str, palette: object) -> None:
    """Back to the style and palette the platform gave the app at start."""
    app.setStyle(style)  # type: ignore[attr-defined]
    app.setPalette(palette)  # type: ignore[attr-defined]


PALETTES = ("light", "dark")


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--palettes", default="light", help="comma-separated, of: " + ", ".join(PALETTES)
    )
    parser.add_argument("--scale", default="1", help="device pixel ratio (QT_SCALE_FACTOR)")
    parser.add_argument("--out", type=Path, default=OUT, help="where the pictures go")
    parser.add_argument("--size", default="1280x800", help="the window's size, WIDTHxHEIGHT")
    parser.add_argument(
        "--audit-only",
        action="store_true",
        help="paint and audit every screen without writing its picture (the screen audit's "
        "test: PNG encoding was half of a run at --scale 2)",
    )
    args = parser.parse_args()
    width, _, height = args.size.partition("x")
    os.environ["QT_SCALE_FACTOR"] = args.scale  # before the QApplication exists
    palettes = tuple(args.palettes.split(","))
    if not palettes or not set(palettes) <= set(PALETTES):
        parser.error(f"--palettes: choose among {', '.join(PALETTES)}")
    size = (int(width), int(height))
    return shoot(args.out, palettes=palettes, size=size, pictures=not args.audit_only)


def shoot(
    OUT: Path,  # noqa: N803 - the module default
    *,
    palettes: tuple[str, ...],
    size: tuple[int, int] = (1280, 800),
    pictures: bool = True,
) -> int:
    from breakglass_gui.drill.layout import MEMBERS
    from breakglass_gui.ui.app import application, build
    from breakglass_gui.ui.context import AppOptions
    from breakglass_gui.ui.dialogs.enrolment import EnrolmentDialog
    from breakglass_gui.ui.dialogs.readiness import ReadinessDialog
    from tests.support.gui_driver import GuiDriver, ScriptedPrompts

    app = application()
    crashes: list[str] = []

    def hook(kind: type[BaseException], error: BaseException, tb: object) -> None:
        """An exception in a slot is printed by Qt and the run goes on: count it as a failure."""
        crashes.append(f"{kind.__name__}: {error}")
        sys.__excepthook__(kind, error, tb)  # type: ignore[arg-type]

    sys.excepthook = hook
    from PySide6.QtGui import QPalette

    platform_style, platform_palette = app.style().name(), QPalette(app.palette())
    # Light pictures where the README and guides point (OUT), other palettes in OUT/<palette>/.
    folders = {p: OUT if p == "light" or len(palettes) == 1 else OUT / p for p in palettes}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)

    def use(palette: str) -> None:
        if palette == "dark":
            dark_desktop(app)
        else:
            light_desktop(app, platform_style, platform_palette)

    if palettes == ("dark",):
        use("dark")
    problems: list[str] = []
    scratch = Path(tempfile.mkdtemp(prefix="breakglass-shots-"))

    def launch(data: Path = scratch, **kwargs: object) -> GuiDriver:
        prompts = ScriptedPrompts(scratch / "review")
        options = AppOptions(prompts=prompts, data_dir=data, **kwargs)  # type: ignore[arg-type]
        ctl, window = build(options)
        window.resize(*size)
        window.show()
        ctl.start()
        return GuiDriver(ctl, window)

    def settle() -> None:
        """Let what a change posted (layout requests up the parents, palette and style
        changes) run before the grab, which paints synchronously. Three passes: a layout
        request posts its parent's. (A fixed 150 ms wait did the same at
        ~8 s a run, holding the GIL from the workers meanwhile.)"""
        for _ in range(3):
            app.sendPostedEvents()
            app.processEvents()

    def shot(driver: GuiDriver, name: str, widget: object = None) -> None:
        if widget is None and driver.window.width() > size[0]:  # grown past the asked size
            problems.append(f"{name}: the window needs {driver.window.width()} px, not {size[0]}")

        from tests.support.screen_audit import keyboard_problems, markup_problems, text_problems

        target = widget or driver.window
        for palette in palettes:
            if len(palettes) > 1:
                use(palette)
            settle()
            painted = target.grab()  # type: ignore[attr-defined]
            if painted.isNull():
                problems.append(f"{name} ({palette}): nothing painted")
            if pictures:
                picture = folders[palette] / f"{name}.png"
                painted.save(str(picture))
                print(picture.relative_to(OUT.parent))
            else:
                print(f"{name} ({palette}) audited")
            found = text_problems(target) + keyboard_problems(target)  # type: ignore[arg-type]
            found += markup_problems(target)  # type: ignore[arg-type]
            problems.extend(f"{name} ({palette}): {problem}" for problem in found)

    def close(driver: GuiDriver) -> None:
        done: list[bool] = []
        driver.window.current.leave()
        driver.ctl.shutdown(lambda: done.append(True))
        driver.wait(lambda: bool(done))
        driver.window._closing = True
        driver.window.close()

    first = launch(config_path=scratch / "missing.toml")
    first.wait(lambda: first.current.name == "first_run")
    shot(first, "00-first-run")
    close(first)

    d = launch(drill=True)
    shot(d, "01-starting-drill")
    d.wait_page("emergency")
    page = d.page("emergency")
    page.type.setCurrentIndex(1)  # type: ignore[attr-defined]
    why = "Drill: AD is down; payments need an admin to restart the cluster."
    d.type(page.justification, why)  # type: ignore[attr-defined]
    for account in MEMBERS[:2]:  # the accounts the request covers (required)
        page.accounts.set_checked(account)  # type: ignore[attr-defined]
    shot(d, "02-emergency")
    d.click(page.declare)  # type: ignore[attr-defined]
    d.wait_page("approvals")
    d.approve("primary")
    shot(d, "03-approvals")
    d.approve("secondary")
    vault = d.wait_page("vault")
    d.wait(vault.unseal.isVisible)  # type: ignore[attr-defined]
    d.type(vault.holder, "Key holder 1")  # type: ignore[attr-defined]
    shot(d, "04-vault-sealed")
    d.unseal()
    d.unlock()
    d.wait_page("mfa")
    shot(d, "05-mfa")
    d.mfa()
    accounts = d.wait_page("accounts")
    accounts.picker.set_checked(MEMBERS[0])  # type: ignore[attr-defined]
    accounts.picker.set_checked(MEMBERS[1])  # type: ignore[attr-defined]
    shot(d, "06-accounts")
    d.click(accounts.go)  # type: ignore[attr-defined]
    d.session()
    d.open_console(MEMBERS[0])
    d.wait_activity(at_least=8)
    panel = d.page("session").panel  # type: ignore[attr-defined]
    panel.table.selectRow(0)
    shot(d, "07-session")
    problems.extend(f"07-session: {p}" for p in activity_problems(panel))
    d.end_session()
    ending = d.page("ending")
    d.wait(ending.proceed.isVisible, 60_000)  # type: ignore[attr-defined]
    shot(d, "08-revoke-and-rotate")  # the result, until the operator continues
    d.wait_rotated()
    written = d.export_review(scratch / "review")
    pdf = next((scratch / "review" / n for n in written if n.endswith(".pdf")), None)
    if pdf is not None and OUT == DOCS and shutil.which("pdftoppm"):  # the README's picture
        args = ["pdftoppm", "-r", "60", "-png", "-singlefile", "-f", "1", "-l", "1", str(pdf)]
        subprocess.run([*args, str(OUT / "review-pdf-page-1")], check=True)  # noqa: S603
    d.click(d.page("review").preview_button)  # type: ignore[attr-defined]
    d.idle()
    shot(d, "09-review")
    d.close_incident()
    shot(d, "10-closed")
    enrol = EnrolmentDialog(d.ctl, d.window)
    enrol.resize(640, 720)
    enrol.show()
    enrol.start.click()
    shot(d, "11-enrol-approver", enrol)
    enrol.close()
    readiness = ReadinessDialog(d.ctl, d.window)
    readiness.resize(1280, 800)
    readiness.show()
    readiness.run_checks()
    d.wait(lambda: not readiness.running, 60_000)
    shot(d, "12-readiness", readiness)
    readiness.close()
    close(d)
    # An incident left ACTIVE, then a relaunch: the recovery screen comes first.
    left = launch(scratch / "unfinished", drill=True)
    left.to_session(MEMBERS[:1])
    close(left)
    again = launch(scratch / "unfinished", drill=True)
    again.wait_page("recovery")
    shot(again, "13-recovery")
    close(again)
    app.quit()
    for problem in problems:
        print(f"LAYOUT {problem}")
    for crash in crashes:
        print(f"CRASH {crash}")
    return 1 if problems or crashes else 0


def activity_problems(panel: object) -> list[str]:
    """The session window's table at this size: the event name in view, the detail readable."""
    from PySide6.QtWidgets import QTableView

    from breakglass_gui.ui.models.activity import COLUMNS

    table: QTableView = panel.table  # type: ignore[attr-defined]
    header = table.horizontalHeader()
    name = COLUMNS.index("Event name")
    right = header.sectionViewportPosition(name) + header.sectionSize(name)
    found = []
    if right > table.viewport().width():
        found.append(f"the event name column ends at {right} px, past the table's edge")
    if panel.detail.width() < 200:  # type: ignore[attr-defined]
        found.append(f"the detail pane is {panel.detail.width()} px wide")  # type: ignore[attr-defined]
    return found


if __name__ == "__main__":
    sys.exit(main())
