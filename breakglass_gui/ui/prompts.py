"""Questions the app asks the operator (confirm, a line of text, a file, a folder), behind one
interface so tests answer them without modal dialogs (STYLE: services behind interfaces)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget


class Prompts(Protocol):
    def confirm(self, parent: QWidget, title: str, text: str) -> bool: ...

    def text(self, parent: QWidget, title: str, label: str) -> str | None: ...

    def open_file(self, parent: QWidget, title: str, filters: str) -> Path | None: ...

    def directory(self, parent: QWidget, title: str, start: Path) -> Path | None: ...


class DialogPrompts:
    """The real dialogs (modal, keyboard operable). Their classes are imported when first asked
    for: creating them and their enums is not needed to paint the first page (docs/rules.md
    §13)."""

    def confirm(self, parent: QWidget, title: str, text: str) -> bool:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QMessageBox

        yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
        box = QMessageBox(QMessageBox.Icon.Question, title, text, yes | no, parent)
        box.setTextFormat(Qt.TextFormat.PlainText)  # the text may quote config or AWS
        box.setDefaultButton(no)
        return box.exec() == yes

    def text(self, parent: QWidget, title: str, label: str) -> str | None:
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal)
        return value if ok else None

    def open_file(self, parent: QWidget, title: str, filters: str) -> Path | None:
        from PySide6.QtWidgets import QFileDialog

        name, _ = QFileDialog.getOpenFileName(parent, title, str(Path.home()), filters)
        return Path(name) if name else None

    def directory(self, parent: QWidget, title: str, start: Path) -> Path | None:
        from PySide6.QtWidgets import QFileDialog

        name = QFileDialog.getExistingDirectory(parent, title, str(start))
        return Path(name) if name else None
