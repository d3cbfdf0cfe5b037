"""Where the shipped resources (templates, example config, icons, the operator guide) are,
installed or bundled."""

from __future__ import annotations

import sys
from pathlib import Path


def resource_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)  # PyInstaller one-folder bundle
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def resource_path(*parts: str) -> Path:
    return resource_dir().joinpath(*parts)


def guide_path(name: str = "operator-guide.md") -> Path:
    """A guide from docs/ (Help → Operator guide): the bundle carries it in docs/ too."""
    bundle = getattr(sys, "_MEIPASS", None)
    root = Path(bundle) if bundle else Path(__file__).resolve().parents[2]
    return root / "docs" / name
