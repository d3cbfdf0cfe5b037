#!/usr/bin/env python3
"""Write docs/journal-reference.md from breakglass_gui/core/journal_kinds.py."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from breakglass_gui.core.journal_kinds import render_reference  # noqa: E402

if __name__ == "__main__":
    target = ROOT / "docs" / "journal-reference.md"
    target.write_text(render_reference(), encoding="utf-8")
    print(target)
