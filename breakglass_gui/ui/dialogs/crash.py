"""The crash dialog: the value-free message of the crash hook, shown without blocking."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def show_crash(parent: QWidget, message: str) -> QMessageBox:
    box = QMessageBox(
        QMessageBox.Icon.Critical, "Break Glass — unexpected error", message, parent=parent
    )
    box.setObjectName("crash-dialog")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setInformativeText(
        "The error was recorded in the journal without any secret. You can keep working; if "
        "a step keeps failing, restart Break Glass and the recovery screen continues."
    )
    box.open()
    return box
