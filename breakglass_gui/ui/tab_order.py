"""Tab follows the page (issue 6): the focus chain is set from the layout, not from the order in
which widgets happened to be created.

Qt's default chain is creation order, which drifts from what the operator sees as soon as a page
adds widgets later (one row per account session, built when the session opens) or a base class
creates a control that sits below its subclass's fields (the busy line's Cancel). Here the order
is read from the layouts instead — a box layout in order, a form row by row, a grid row by row
and left to right, a splitter pane by pane — which is the order a person reads the page in.
tests/support/screen_audit.py checks the result against the widgets' on-screen positions.

Reading a focus policy makes PySide6's `Qt` namespace (ui/qt_namespace.py): the window threads
the chain once it exists, and building a page reads no policy of a plain control.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

from PySide6 import QtCore
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFormLayout,
    QGridLayout,
    QLayout,
    QScrollArea,
    QSplitter,
    QWidget,
)

from breakglass_gui.ui.qt_namespace import set_by_name


def _position(layout: QLayout, index: int) -> tuple[int, int]:
    """Row, then column (a form's label, field or spanning role, left to right)."""
    if isinstance(layout, QGridLayout):
        grid: Any = layout.getItemPosition(index)  # (row, column, row span, column span)
        return int(grid[0]), int(grid[1])
    if isinstance(layout, QFormLayout):
        form: Any = layout.getItemPosition(index)  # (row, ItemRole)
        return int(form[0]), int(form[1].value)
    return index, 0


def _layout_items(layout: QLayout) -> Iterator[QWidget | QLayout]:
    for index in sorted(range(layout.count()), key=lambda i: _position(layout, i)):
        item = layout.itemAt(index)
        if item is None:
            continue
        widget, inner = item.widget(), item.layout()
        if widget is not None:
            yield widget
        elif inner is not None:
            yield inner


def _widgets(node: QWidget | QLayout) -> Iterator[QWidget]:
    if isinstance(node, QLayout):
        for child in _layout_items(node):
            yield from _widgets(child)
        return
    if node.focusProxy() is not None:
        # A composite that hands its focus to a child (the account picker to its search box):
        # it goes in the chain just before its children, as Qt expects, or Tab would reach it
        # again after the last control and jump back into it.
        yield node
    inner = node.widget() if isinstance(node, QScrollArea) else None
    if isinstance(node, QSplitter):
        for index in range(node.count()):
            pane = node.widget(index)
            if pane is not None:
                yield from _widgets(pane)
    elif inner is not None:
        yield from _widgets(inner)
    elif (layout := node.layout()) is not None and not isinstance(node, QAbstractScrollArea):
        yield from _widgets(layout)
    elif node.focusProxy() is None:
        yield node  # a control (a line edit, a combo box, a table) is one stop, whatever is inside


def takes_tab(widget: QWidget) -> bool:
    """Whether Tab may give the widget the focus (its focus policy; read only after the first
    paint, or it makes the `Qt` namespace then)."""
    return bool(widget.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus)


def is_row_of_controls(widget: QWidget) -> bool:
    """A container of controls that hands the focus to none of them yet (a folder field and
    its Choose… button). A control has no layout, so its policy is not read."""
    return widget.layout() is not None and widget.focusProxy() is None and not takes_tab(widget)


def _stop(widget: QWidget) -> bool:
    return takes_tab(widget) and widget.focusProxy() is None


def reading_order(root: QWidget) -> list[QWidget]:
    """The widgets under `root` that Tab stops at, in the order the page reads."""
    return [widget for widget in _widgets(root) if widget is not root and _stop(widget)]


def chain_order(root: QWidget) -> list[QWidget]:
    """What `follow` threads: the stops, each composite with a focus proxy just before its own."""
    return [
        widget
        for widget in _widgets(root)
        if widget is not root and (_stop(widget) or widget.focusProxy() is not None)
    ]


def hand_focus_to(container: QWidget, control: QWidget) -> None:
    """Make a composite (a folder field and its Choose… button, the account picker) take the
    focus by Tab, by click and by its caption's Alt+letter, and pass it to `control`. QLabel
    ignores a buddy whose own policy is NoFocus, whatever its proxy, so the policy is set too
    (by name, not copied from `control`: ui/qt_namespace.py)."""
    container.setFocusProxy(control)
    set_by_name(container, "focusPolicy", "StrongFocus")


def follow(widgets: list[QWidget]) -> None:
    """Make Tab visit `widgets` in this order (each right after the one before it)."""
    for first, second in pairwise(widgets):
        QWidget.setTabOrder(first, second)
