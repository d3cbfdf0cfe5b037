"""Bars across the top of the window: DRILL (always visible in a drill) and notices."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from breakglass_gui.core.text import visible
from breakglass_gui.ui.qt_namespace import set_by_name
from breakglass_gui.ui.text import plain_label

STYLES = {
    "drill": "background: #f5a623; color: #000; font-weight: bold; padding: 6px;",
    "info": "background: #e3f0fb; color: #0b3d66; padding: 6px;",
    "warn": "background: #fff4d6; color: #6b4500; font-weight: bold; padding: 6px;",
    "error": "background: #fde7e7; color: #8c1414; font-weight: bold; padding: 6px;",
}


def drill_banner() -> QLabel:
    label = plain_label(
        "DRILL — simulated AWS, federation and MFA, a drill Vault (OpenBao), all on 127.0.0.1. "
        "Nothing real is touched."
    )
    label.setObjectName("drill-banner")
    label.setWordWrap(True)  # on two lines in a narrow window, never widening it
    set_by_name(label, "alignment", "AlignCenter")
    label.setStyleSheet(STYLES["drill"])
    label.setAccessibleName("Drill mode")
    return label


class NoticeBar(QWidget):
    """The latest notice (warnings stay until dismissed; errors too)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.text = plain_label()
        self.text.setObjectName("notice")
        self.text.setWordWrap(True)
        self.dismiss = QPushButton("&Dismiss")
        self.dismiss.clicked.connect(self.hide)
        row.addWidget(self.text, 1)
        row.addWidget(self.dismiss)
        self.level = ""
        self.hide()

    def show_notice(self, level: str, text: str) -> None:
        self.level = level
        self.text.setText(visible(text, multiline=True))
        self.setStyleSheet(STYLES.get(level, STYLES["info"]))
        self.show()
