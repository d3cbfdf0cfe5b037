"""PySide6's `Qt` namespace, kept off the path to the first page's paint (docs/rules.md §13).

The first use of `Qt` — even `from PySide6.QtCore import Qt` — makes all of its 93 Python enums
(1,195 members) at once: ~20 ms on this machine, the largest single cost of the cold start after
PySide6's own import (docs/benchmarks.md, "The cold start, ninth stop"). So the modules the first
page needs neither import nor read it:

- they set a Qt-namespace value by its property's name (`set_by_name`), which Qt converts from the
  key's name in C++ and which fails loudly on a name Qt does not know;
- item roles and check states are the numbers Qt defines for them (below);
- what has no property (a widget attribute) or must read a value back (a focus policy) waits
  for `after_first_paint`.

`load()` makes the namespace on the GUI thread, right after the first page is painted
(ui/window.py): the emergency page on a quick start, the start-up page on a slow one or a drill,
so the menus and their keys (Ctrl+Q) work while a drill's world starts. Other modules, and
everything that runs after that moment, import `Qt` as usual; reading one of its values back
before `load()` would make it early, not wrongly. Other work the first paint does not need waits
with `after_first_paint` too (the window icon, ui/app.py).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QObject, QTimer

# Qt::ItemDataRole and Qt::CheckState (qnamespace.h); tests/ui/test_qt_namespace.py compares them.
CHECK_STATE_ROLE = 10
USER_ROLE = 0x0100
UNCHECKED = 0
CHECKED = 2

_pending: list[Callable[[], None]] = []


def loaded() -> bool:
    """Whether the namespace exists (PySide6 puts a lazily made type in its module only once
    made, so asking does not make it)."""
    return "Qt" in vars(QtCore)


def load() -> None:
    """Make the namespace now, then run what waited for it (GUI thread)."""
    QtCore.Qt  # noqa: B018 - the attribute's first read makes the type and its enums
    while _pending:
        _pending.pop(0)()


def after_first_paint(action: Callable[[], None]) -> None:
    """Run `action` (GUI thread) once the first page is painted, with `load()` right after that
    paint; at once when the namespace exists already (after it, or in a process that made it
    earlier: the tests)."""
    if loaded():
        action()
    elif action not in _pending:
        _pending.append(action)


class _AfterPaint(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, load)  # the next event-loop turn: this paint is done by then
            self.deleteLater()
        return False


def load_after_paint(widget: QObject) -> None:
    """`load()` as soon as `widget` has been painted once (at once if it is already made)."""
    if not loaded():
        widget.installEventFilter(_AfterPaint(widget))


def set_by_name(target: QtCore.QObject, name: str, key: str) -> None:
    """`target.setProperty(name, key)` for an enum or flag property, by the key's name in Qt's
    meta-object system (e.g. "textFormat", "PlainText"); an unknown property or key raises."""
    if not target.setProperty(name, key):
        raise ValueError(f"{type(target).__name__} has no {name} value {key!r}")
