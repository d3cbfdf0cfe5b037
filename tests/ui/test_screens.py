"""Every page in light and dark palettes, at 100 % scale in a 1024×700 window and at 200 % in
1280×800: no text cut by
its widget, no text widgets overlapping, no input without an accessible name, Tab in reading
order, every control with its own Alt+letter (issue 6).

scripts/screenshots.py drives a whole GUI drill in a fresh process per scale (the scale must be
set before Qt starts), shows and paints every screen in the light and then the dark palette (a
palette can change while the app runs) and audits each with tests/support/screen_audit.py. The
pictures are not written (`--audit-only`): their PNG encoding was half of a run at 200 %."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from tests.support.screen_audit import text_problems

ROOT = Path(__file__).resolve().parents[2]
OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints()"  # pyproject: qt_log_ignore


@pytest.mark.slow
@pytest.mark.parametrize(("scale", "size"), [("1", "1024x700"), ("2", "1280x800")])
def test_every_screen_fits_in_both_palettes_at_this_scale(
    tmp_path: Path, scale: str, size: str
) -> None:
    """The smallest window the app supports at 100 %, the usual one at 200 % (issue 19)."""
    args = [sys.executable, str(ROOT / "scripts" / "screenshots.py"), "--scale", scale]
    args += ["--size", size]
    args += ["--out", str(tmp_path), "--palettes", "light,dark", "--audit-only"]
    run = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    problems = [line for line in run.stdout.splitlines() if line.startswith(("LAYOUT", "CRASH"))]
    # A crash's whole faulthandler dump: the faulting thread comes first, and a tail cut it off.
    stderr = "\n".join(line for line in run.stderr.splitlines() if line != OFFSCREEN_NOISE)
    reached = run.stdout.splitlines()[-1:]
    assert problems == [] and run.returncode == 0, "\n".join(problems) or (
        f"exit status {run.returncode} after {reached}:\n{stderr}"
    )
    for palette in ("light", "dark"):  # every screen painted and audited in each
        lines = run.stdout.splitlines()
        audited = [line for line in lines if line.endswith(f"({palette}) audited")]
        assert len(audited) == 14, (palette, audited)


def test_the_audit_finds_cut_and_overlapping_text_and_unnamed_inputs(qtbot) -> None:
    root = QWidget()
    qtbot.addWidget(root)
    root.resize(300, 100)
    cut = QLabel("a caption far too long for the twenty pixels it is given", root)
    cut.setGeometry(0, 0, 20, 20)
    over = QLabel("overlapping", root)
    over.setGeometry(5, 5, 120, 20)
    unnamed = QLineEdit(root)
    unnamed.setGeometry(0, 50, 200, 24)
    root.show()
    problems = text_problems(root)
    assert any("is cut" in p for p in problems), problems
    assert any("overlaps" in p for p in problems), problems
    assert any("no accessible name" in p for p in problems), problems
    fine = QWidget()
    qtbot.addWidget(fine)
    row = QHBoxLayout(fine)
    label = QLabel("&Name")
    field = QLineEdit()
    label.setBuddy(field)
    row.addWidget(label)
    row.addWidget(field)
    fine.show()
    assert text_problems(fine) == []
    root.hide()
    fine.hide()
