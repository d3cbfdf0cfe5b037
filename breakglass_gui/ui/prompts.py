"""Questions the app asks the operator (confirm, a line of text, a file, a folder), behind one
interface so tests answer them without modal dialogs (STYLE: services behind interfaces)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget


class Prompts(Protocol):
    def confirm(self, parent: QWidget, title: str, text: str) -> bool: ...

    def text(self, parent: QWidget, title: str, label: str) -> str | None: ...

    def open_file(self, parent: QWidget, title: str, filters: str) -> Path | None: ...

    def directory(self, parent: QWidget, title: str, start: Path) -> Path | None: ...


class DialogPrompts:
    """The real dialogs (modal, keyboard operable)."""

    def confirm(self, parent: QWidget, title: str, text: str) -> bool:
        yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
        box = QMessageBox(QMessageBox.Icon.Question, title, text, yes | no, parent)
        box.setTextFormat(Qt.TextFormat.PlainText)  # the text may quote config or AWS
        box.setDefaultButton(no)
        return box.exec() == yes

    def text(self, parent: QWidget, title: str, label: str) -> str | None:
        value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal)
        return value if ok else None

    def open_file(self, parent: QWidget, title: str, filters: str) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(parent, title, str(Path.home()), filters)
        return Path(name) if name else None

    def directory(self, parent: QWidget, title: str, start: Path) -> Path | None:
        name = QFileDialog.getExistingDirectory(parent, title, str(start))
        return Path(name) if name else None
