"""Where the app keeps its files and which outside services it uses, decided once at start.

Drill incidents have their own journal, so a drill never mixes with a real incident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from breakglass_gui.ui.prompts import DialogPrompts, Prompts


def data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("breakglass", appauthor=False))


def journal_file(root: Path, drill: bool = False) -> Path:
    """Where the journal lives under a data directory (the app's, or a drill's beside it)."""
    return root / ("drill" if drill else "") / "journal.sqlite3"


def default_journal() -> Path:
    """The app's own journal (what the command-line tools read by default)."""
    return journal_file(data_dir())


@dataclass
class AppOptions:
    config_path: Path | None = None
    drill: bool = False
    prompts: Prompts = field(default_factory=DialogPrompts)
    browser: Any = None  # a BrowserLauncher replacing the configured one (tests)
    data_dir: Path = field(default_factory=data_dir)

    def journal_path(self, drill: bool) -> Path:
        return journal_file(self.data_dir, drill)

    def reviews_dir(self, drill: bool) -> Path:
        return self.data_dir / ("drill-reviews" if drill else "reviews")
