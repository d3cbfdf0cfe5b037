"""Facts as caption–value rows in plain text: the request the approvers sign.

Every value is untrusted (config and operator input) and shown as typed: plain-text labels, so
nothing in a value is ever taken for markup, with invisible and direction-changing characters
made visible (`core/text.visible`: a bidi override in the justification must not reorder what the
approvers read). This replaced a rich-text table in one label: Qt lays such a label out as a
whole text document on every show, and the approvals page's first show went from ~24 ms to
~11 ms on this machine with these rows (docs/rules.md §13, never blocked > 50 ms).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from breakglass_gui.core.text import visible
from breakglass_gui.ui.text import plain_label


class Facts(QWidget):
    """Rows of (caption, value); `show_rows` fills them, reusing the labels it has. Rows for
    `captions` are made when it is built (in the warm-up), not when first filled."""

    def __init__(self, captions: Sequence[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # A grid, not a QFormLayout: a form gives a wrapped value one line whatever it needs.
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setColumnStretch(1, 1)
        self.rows: list[tuple[QLabel, QLabel]] = []
        self.show_rows([(caption, "") for caption in captions])

    def show_rows(self, rows: Sequence[tuple[str, object]]) -> None:
        while len(self.rows) < len(rows):
            caption = plain_label()
            font = caption.font()
            font.setBold(True)
            caption.setFont(font)
            value = plain_label()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            row = len(self.rows)
            self.grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(value, row, 1, Qt.AlignmentFlag.AlignTop)
            self.rows.append((caption, value))
        for index, (caption, value) in enumerate(self.rows):
            shown = index < len(rows)
            caption.setVisible(shown)
            value.setVisible(shown)
            if shown:
                caption.setText(rows[index][0])
                value.setText(visible(rows[index][1]))

    def text(self) -> str:
        """What the rows say, one "caption: value" line each (tests read the summary this way)."""
        return "\n".join(
            f"{caption.text()}: {value.text()}"
            for caption, value in self.rows
            if not caption.isHidden()
        )
