"""A layout audit for the screenshot check (issue 6 / SPEC §15): visible text that does not fit
its widget, and text widgets that overlap. Used by scripts/screenshots.py --check, which
tests/ui/test_screens.py runs in light and dark palettes, at 100 % and 200 % scale."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QTextEdit,
    QWidget,
)


def _text(widget: QWidget) -> str:
    if isinstance(widget, QLabel) and not widget.pixmap().isNull():
        return ""
    if isinstance(widget, QLabel | QAbstractButton):
        return widget.text().replace("&", "")
    return ""


def _inside_scroll_area(widget: QWidget, root: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def _clipped(widget: QWidget) -> str | None:
    text = _text(widget)
    if not text.strip():
        return None
    if isinstance(widget, QLabel):
        room = widget.contentsRect()
        if widget.wordWrap():
            needed = widget.heightForWidth(widget.width())
            if needed > widget.height() + 1:
                return f"needs {needed} px of height, has {widget.height()}"
            return None
        if widget.textFormat() == Qt.TextFormat.RichText:
            return None  # laid out by its document; checked through its size hint below
        metrics = widget.fontMetrics()
        widest = max(metrics.horizontalAdvance(line) for line in text.splitlines() or [""])
        if widest > room.width() + 1:
            return f"needs {widest} px of width, has {room.width()}"
        return None
    if isinstance(widget, QPushButton | QCheckBox | QRadioButton):
        hint = widget.sizeHint()
        if hint.width() > widget.width() + 1:
            return f"needs {hint.width()} px of width, has {widget.width()}"
    return None


INPUTS = (
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QComboBox,
    QAbstractSpinBox,
    QListWidget,
    QTableView,
)


def unnamed_inputs(root: QWidget) -> list[str]:
    """Inputs a screen reader could not name: no accessible name and no label buddy."""
    buddies = {id(label.buddy()) for label in root.findChildren(QLabel) if label.buddy()}
    problems = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, INPUTS) or not widget.isVisibleTo(root):
            continue
        if widget.objectName().startswith("qt_"):
            continue  # Qt's own part of a composite widget (a spin box's line edit)
        name = widget.objectName() or type(widget).__name__
        if not widget.accessibleName() and id(widget) not in buddies:
            problems.append(f"{name} has no accessible name")
        if isinstance(widget, QLineEdit) and widget.placeholderText():
            room = widget.width() - 16  # the frame and text margins of a line edit
            needed = widget.fontMetrics().horizontalAdvance(widget.placeholderText())
            if needed > room:
                problems.append(f"{name}'s hint is cut: needs {needed} px, has {room}")
    return problems


def text_problems(root: QWidget) -> list[str]:
    """Every visible text widget under `root` whose text is cut, or that overlaps another."""
    problems: list[str] = unnamed_inputs(root)
    boxes: list[tuple[QWidget, QRect]] = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root) or not _text(widget).strip():
            continue
        name = widget.objectName() or type(widget).__name__
        reason = _clipped(widget)
        if reason:
            problems.append(f"{name} ({_text(widget)[:40]!r}) is cut: {reason}")
        if not _inside_scroll_area(widget, root):
            boxes.append(
                (widget, QRect(widget.mapTo(root, widget.rect().topLeft()), widget.size()))
            )
    for i, (first, a) in enumerate(boxes):
        for second, b in boxes[i + 1 :]:
            if first.isAncestorOf(second) or second.isAncestorOf(first):
                continue
            overlap = a.intersected(b)
            if overlap.width() > 2 and overlap.height() > 2:
                problems.append(
                    f"{first.objectName() or _text(first)[:20]!r} overlaps "
                    f"{second.objectName() or _text(second)[:20]!r}"
                )
    return problems
