"""Colours that read on the desktop's palette, light or dark — also after it changes.

The app uses the desktop's palette (Qt follows the platform theme); the few colours it adds —
errors, success, warnings — come in a light-background and a dark-background tone, each at
least 4.5:1 against the window (WCAG AA; tests/ui/test_theme.py). A widget or an item view's
cell is coloured with `tint`/`tint_item`, which remember the tone: when the desktop switches
between light and dark while the app runs, `follow_palette`'s watcher colours them again.
Banners set their own background as well as their text, so they read on either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypeVar

from PySide6.QtCore import QEvent
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from breakglass_gui.ui.qt_namespace import USER_ROLE

if TYPE_CHECKING:  # imported where cells are tinted: not needed to paint the first page
    from PySide6.QtWidgets import QTableWidgetItem, QTreeWidgetItem

Tone = Literal["error", "ok", "warn"]
TONES: dict[Tone, tuple[str, str]] = {  # (on a light background, on a dark one)
    "error": ("#b00020", "#ff8a80"),
    "ok": ("#17743a", "#81c995"),
    "warn": ("#9a5b00", "#fdd663"),
}
TONE_PROPERTY = "breakglassTone"  # on a widget: "error" or "error bold"
TONE_ROLE = USER_ROLE + 77  # on an item view's cell: the tone's name

W = TypeVar("W", bound=QWidget)


def dark() -> bool:
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def colour(tone: Tone) -> QColor:
    return QColor(TONES[tone][1 if dark() else 0])


def style(tone: Tone, *, bold: bool = False) -> str:
    return f"color: {colour(tone).name()};" + (" font-weight: bold;" if bold else "")


def note(widget: W) -> W:
    """Secondary text (hints, notes): the palette's placeholder colour, through the widget's
    foreground role rather than a style sheet, so it follows a palette change by itself."""
    widget.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return widget


def tint(widget: W, tone: Tone | None, *, bold: bool = False) -> W:
    """Colour the widget's text in `tone` (None: the palette's own), now and after a change."""
    widget.setProperty(TONE_PROPERTY, f"{tone} bold" if tone and bold else tone)
    widget.setStyleSheet(style(tone, bold=bold) if tone else "")
    return widget


def tint_item(item: QTreeWidgetItem | QTableWidgetItem, tone: Tone | None, column: int = 0) -> None:
    """The same for one cell of a tree or a table."""
    from PySide6.QtWidgets import QTreeWidgetItem

    if isinstance(item, QTreeWidgetItem):
        item.setData(column, TONE_ROLE, tone)
        item.setForeground(column, QBrush(colour(tone)) if tone else QBrush())
    else:
        item.setData(TONE_ROLE, tone)
        item.setForeground(QBrush(colour(tone)) if tone else QBrush())


def _items(widget: QWidget) -> list[tuple[QTreeWidgetItem | QTableWidgetItem, int]]:
    from PySide6.QtWidgets import QTableWidget, QTreeWidget

    cells: list[tuple[QTreeWidgetItem | QTableWidgetItem, int]] = []
    if isinstance(widget, QTreeWidget):
        for index in range(widget.topLevelItemCount()):
            item = widget.topLevelItem(index)
            if item is not None:
                cells += [(item, column) for column in range(widget.columnCount())]
    elif isinstance(widget, QTableWidget):
        for row in range(widget.rowCount()):
            for column in range(widget.columnCount()):
                cell = widget.item(row, column)
                if cell is not None:
                    cells.append((cell, 0))
    return cells


def retint() -> None:
    """Colour every tinted widget and cell again, for the palette now in force."""
    from PySide6.QtWidgets import QTreeWidgetItem

    for widget in QApplication.allWidgets():
        value = widget.property(TONE_PROPERTY)
        if value:
            tone, _, bold = str(value).partition(" ")
            widget.setStyleSheet(style(tone, bold=bool(bold)))  # type: ignore[arg-type]
        for item, column in _items(widget):
            if isinstance(item, QTreeWidgetItem):
                cell_tone = item.data(column, TONE_ROLE)
            else:
                cell_tone = item.data(TONE_ROLE)
            if cell_tone:
                tint_item(item, cell_tone, column)


class _PaletteWatcher(QWidget):
    """Never shown: Qt sends every widget a palette-change event when the desktop's changes."""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.ApplicationPaletteChange, QEvent.Type.PaletteChange):
            retint()
        super().changeEvent(event)


_watcher: list[_PaletteWatcher] = []


def follow_palette() -> None:
    """Start following the desktop's palette (once per application)."""
    if not _watcher:
        _watcher.append(_PaletteWatcher())
