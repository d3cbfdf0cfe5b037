"""Where the app keeps its files and which outside services it uses, decided once at start.

Drill incidents have their own journal, so a drill never mixes with a real incident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from breakglass_gui.core.paths import data_dir, journal_file, reviews_dir
from breakglass_gui.ui.prompts import DialogPrompts, Prompts


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
        return reviews_dir(self.data_dir, drill)
