"""Where Break Glass keeps its files on a workstation, in one place (`main.py paths` prints them).

The directories are the platform's per-user ones. On Linux, the XDG Base Directory
specification's: `$XDG_CONFIG_HOME/breakglass` and `$XDG_DATA_HOME/breakglass` when the variable
holds an absolute path (a relative one is ignored, as the specification says), else
`~/.config/breakglass` and `~/.local/share/breakglass`. That is what platformdirs answers there
(tests/core/test_paths.py compares them). It is computed here because the desktop start needs
the data directory before its first paint, and importing platformdirs (eight modules, after Qt:
each read by PySide6) cost 5–10 ms of that start (docs/rules.md §13). Elsewhere, platformdirs
says. Drill incidents have their own journal and reviews beside the real ones, so a drill never
mixes with a real incident. Nothing here creates a file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "breakglass"
LAYOUT_FILE = "layout.ini"  # the main window's size and docks (ui/layout_memory.py)
SNAPSHOT_FILE = "accounts.json"  # `accounts sync` writes it unless [directory] snapshot says


def config_dir() -> Path:
    if sys.platform == "linux":
        return _xdg("XDG_CONFIG_HOME", ".config") / APP
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def default_config() -> Path:
    return config_dir() / "config.toml"


def data_dir() -> Path:
    if sys.platform == "linux":
        return _xdg("XDG_DATA_HOME", ".local/share") / APP
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def _xdg(variable: str, under_home: str) -> Path:
    """An XDG base directory: the variable when it is an absolute path, else its default under
    the home directory (HOME when absolute, else the account's home in the password database)."""
    chosen = os.environ.get(variable, "")
    if os.path.isabs(chosen):
        return Path(chosen)
    home = os.environ.get("HOME", "")
    if not os.path.isabs(home):
        import pwd

        home = pwd.getpwuid(os.getuid()).pw_dir
    return Path(home) / under_home


def journal_file(root: Path, drill: bool = False) -> Path:
    """Where the journal lives under a data directory (the app's, or a drill's beside it)."""
    return root / ("drill" if drill else "") / "journal.sqlite3"


def reviews_dir(root: Path, drill: bool = False) -> Path:
    """Where reviews and approval bundles are exported unless the operator picks a folder."""
    return root / ("drill-reviews" if drill else "reviews")


def default_journal() -> Path:
    """The app's own journal (what the command-line tools read by default)."""
    return journal_file(data_dir())


def default_snapshot() -> Path:
    """Where `accounts sync` writes and the app reads, unless `[directory] snapshot` says."""
    return data_dir() / SNAPSHOT_FILE


def listing() -> dict[str, Path]:
    """Every default location, as `main.py paths` and `main.py --help` print them."""
    root = data_dir()
    return {
        "configuration": default_config(),
        "data directory": root,
        "journal": journal_file(root),
        "reviews and approval bundles": reviews_dir(root),
        "account snapshot": default_snapshot(),
        "drill journal": journal_file(root, drill=True),
        "drill reviews": reviews_dir(root, drill=True),
        "window layout": root / LAYOUT_FILE,
    }
