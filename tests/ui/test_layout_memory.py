"""The session window's splitters keep the sizes the operator dragged them to, across launches
(issue 19, item 2), in DATA_DIR/layout.ini."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter

from breakglass_gui.ui.layout_memory import FILE, layout_store, remember


def _splitter(qtbot, store) -> QSplitter:  # type: ignore[no-untyped-def]
    split = QSplitter(Qt.Orientation.Horizontal)
    qtbot.addWidget(split)
    split.addWidget(QLabel("table"))
    split.addWidget(QLabel("detail"))
    split.resize(1000, 300)
    remember(split, "session/activity-detail", store)
    split.show()
    return split


def test_a_dragged_splitter_comes_back_as_it_was_left(qtbot, tmp_path: Path) -> None:
    first = _splitter(qtbot, layout_store(tmp_path))
    default = first.sizes()
    first.setSizes([300, 700])
    dragged = first.sizes()
    first.splitterMoved.emit(300, 1)  # what a drag of the handle emits
    assert (tmp_path / FILE).is_file()
    again = _splitter(qtbot, layout_store(tmp_path))  # the next launch
    assert again.sizes() == dragged != default
    fresh = _splitter(qtbot, layout_store(tmp_path / "elsewhere"))  # another data directory
    assert fresh.sizes() == default
