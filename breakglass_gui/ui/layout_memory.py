"""What the operator arranged stays arranged (issue 19): splitter sizes are saved as they are
dragged and restored the next time the app starts, in DATA_DIR/layout.ini — beside the
journal, so a drill, a test run and real use each keep their own, and nothing lands in the
platform's shared settings store."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QSplitter

from breakglass_gui.core.paths import LAYOUT_FILE

FILE = LAYOUT_FILE


def layout_store(data_dir: Path) -> QSettings:
    return QSettings(str(data_dir / FILE), QSettings.Format.IniFormat)


def remember(splitter: QSplitter, key: str, store: QSettings | None) -> None:
    """Restore `splitter` from `store` under `key` (when saved before), and save each move."""
    if store is None:
        return
    saved = store.value(key)
    if isinstance(saved, QByteArray | bytes) and saved:
        splitter.restoreState(QByteArray(saved))

    def save(_position: int, _index: int) -> None:
        store.setValue(key, splitter.saveState())
        store.sync()

    splitter.splitterMoved.connect(save)
