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


@dataclass
class AppOptions:
    config_path: Path | None = None
    drill: bool = False
    prompts: Prompts = field(default_factory=DialogPrompts)
    browser: Any = None  # a BrowserLauncher replacing the configured one (tests)
    data_dir: Path = field(default_factory=data_dir)

    def journal_path(self, drill: bool) -> Path:
        return self.data_dir / ("drill" if drill else "") / "journal.sqlite3"

    def reviews_dir(self, drill: bool) -> Path:
        return self.data_dir / ("drill-reviews" if drill else "reviews")
