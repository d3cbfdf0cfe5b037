#!/usr/bin/env python3
"""Write the generated references: docs/config-reference.md from the configuration model and
docs/journal-reference.md from the journal's kinds (tests check both are current)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from breakglass_gui.core.config.reference import render_reference as config  # noqa: E402
from breakglass_gui.core.journal_kinds import render_reference as journal  # noqa: E402

if __name__ == "__main__":
    for name, render in (("config-reference.md", config), ("journal-reference.md", journal)):
        target = ROOT / "docs" / name
        target.write_text(render(), encoding="utf-8")
        print(target)
