"""An audit of what the operator sees and how a keyboard gets through it (issue 6 / docs/rules.md
§15): visible text that does not fit its widget, text widgets that overlap, inputs a screen reader
cannot name, a Tab order that does not follow the page, and controls without a mnemonic (or
two sharing one). scripts/screenshots.py runs it on every picture; tests/ui/test_screens.py runs
that in light and dark palettes, at 100 % and 200 % scale."""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenuBar,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QTextEdit,
    QTreeView,
    QWidget,
)


def _text(widget: QWidget) -> str:
    if isinstance(widget, QLabel) and not widget.pixmap().isNull():
        return ""
    if isinstance(widget, QLabel | QAbstractButton):
        return widget.text().replace("&", "")
    return ""


def _scroll_areas(widget: QWidget, root: QWidget) -> list[QAbstractScrollArea]:
    """The scroll areas between `widget` and `root`, innermost first."""
    found = []
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, QAbstractScrollArea):
            found.append(parent)
        parent = parent.parentWidget()
    return found


def _page_scroll(area: QAbstractScrollArea) -> bool:
    return area.objectName().endswith("-scroll")  # a page's own (ui/pages/base.py)


def _inside_scroll_area(widget: QWidget, root: QWidget) -> bool:
    """Inside a list, table or text view (its rows may overlap the frame as they scroll). A
    page's own scroll area does not count: the page's widgets must not overlap one another."""
    return any(not _page_scroll(area) for area in _scroll_areas(widget, root))


def _page_viewport(widget: QWidget, root: QWidget) -> QRect | None:
    """The visible part of the page's scroll area that holds `widget`, in `root`'s frame."""
    for area in _scroll_areas(widget, root):
        if _page_scroll(area):
            port = area.viewport()
            return QRect(port.mapTo(root, QPoint(0, 0)), port.size())
    return None


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
    QTreeView,
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
            box = QRect(widget.mapTo(root, widget.rect().topLeft()), widget.size())
            view = _page_viewport(widget, root)
            if view is not None:  # scrolled out of sight: only what shows can overlap
                box = box.intersected(view)
            if not box.isEmpty():
                boxes.append((widget, box))
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


# ----- untrusted text ----------------------------------------------------------------------------


def markup_problems(root: QWidget) -> list[str]:
    """Labels that would render their text as markup (docs/rules.md §12): Qt's default AutoText
    takes anything that looks like HTML for HTML. No label of the app is rich (the one that was,
    the request summary, is plain-text rows now: ui/widgets/facts.py)."""
    problems = []
    for label in root.findChildren(QLabel):
        fmt = label.textFormat()
        if fmt == Qt.TextFormat.PlainText or (label.pixmap() is not None and not label.text()):
            continue
        name = label.objectName() or repr(label.text()[:30])
        problems.append(f"label {name} takes its text for markup ({fmt.name})")
    return problems


# ----- keyboard --------------------------------------------------------------------------------


def _box(widget: QWidget, root: QWidget) -> QRect:
    return QRect(widget.mapTo(root, QPoint(0, 0)), widget.size())


def _name(widget: QWidget) -> str:
    text = _text(widget)
    return widget.objectName() or (repr(text[:30]) if text else type(widget).__name__)


def _deepest_proxy(widget: QWidget) -> QWidget | None:
    proxy = widget.focusProxy()
    while proxy is not None and proxy.focusProxy() is not None:
        proxy = proxy.focusProxy()
    return proxy


def _lands_on(widget: QWidget, root: QWidget) -> QWidget | None:
    """Where the focus goes when Tab moves forward onto `widget`, as Qt decides it: a widget
    with a focus proxy hands it on (unless it is a part of that proxy, like a spin box's line
    edit); hidden, disabled and no-Tab widgets are passed over."""
    proxy = _deepest_proxy(widget)
    if proxy is not None and proxy.isAncestorOf(widget):
        return None
    target = proxy or widget
    if not (root.isAncestorOf(widget) and widget.isVisibleTo(root) and widget.isEnabled()):
        return None
    if not target.isEnabled() or not target.focusPolicy() & Qt.FocusPolicy.TabFocus:
        return None
    return target


def _after(current: QWidget, root: QWidget) -> QWidget | None:
    """The widget Tab moves to from `current`: the next one in the chain that takes it."""
    test = current.nextInFocusChain()
    while test is not None and test is not current:
        target = _lands_on(test, root)
        if target is not None:
            return target
        test = test.nextInFocusChain()
    return None


def focus_chain(root: QWidget) -> list[QWidget]:
    """Where Tab goes under `root`, press after press, from the first widget that takes focus
    until it comes back to one it has already visited."""
    first = _after(root, root)
    chain: list[QWidget] = []
    current = first
    while current is not None and current not in chain:
        chain.append(current)
        current = _after(current, root)
    return chain


def _tab_stops(root: QWidget) -> list[QWidget]:
    stops = (_lands_on(widget, root) for widget in root.findChildren(QWidget))
    return list(dict.fromkeys(stop for stop in stops if stop is not None))


def _order_problems(chain: list[QWidget], root: QWidget) -> list[str]:
    problems = []
    for first, second in pairwise(chain):
        a, b = _box(first, root), _box(second, root)
        same_column = b.left() < a.right() and a.left() < b.right()
        same_row = b.top() < a.bottom() and a.top() < b.bottom()
        back_up = b.bottom() < a.top() and (same_column or b.right() <= a.left())
        back_left = same_row and b.right() <= a.left()
        if back_up or back_left:
            where = "up" if back_up else "left"
            problems.append(f"Tab goes back {where} from {_name(first)} to {_name(second)}")
    return problems


def tab_order_problems(root: QWidget) -> list[str]:
    """Tab must read the page as a person does: down a column, left to right along a row, then
    on to the next column. A step back up the same column, or back left along the same row or
    across to an earlier column, is reported. Tab goes round in a circle, so the circle is read
    from the widget where it reads best: the one wrap from the end back to the start is free."""
    chain = focus_chain(root)
    problems = [
        f"Tab never reaches {_name(stop)}" for stop in _tab_stops(root) if stop not in chain
    ]
    if chain and _after(chain[-1], root) is not chain[0]:
        back = _after(chain[-1], root)
        assert back is not None
        problems.append(
            f"Tab is caught in a loop: from {_name(chain[-1])} it goes back to {_name(back)}"
        )
        return problems + _order_problems(chain, root)
    rounds = [_order_problems(chain[i:] + chain[:i], root) for i in range(len(chain))]
    return problems + min(rounds, key=len, default=[])


def mnemonic(text: str) -> str | None:
    """The Alt+letter of a Qt text ('&&' is a literal ampersand), lower case; None if none."""
    index = 0
    while (index := text.find("&", index)) != -1 and index + 1 < len(text):
        if text[index + 1] != "&":
            return text[index + 1].lower()
        index += 2
    return None


def _takes_focus(widget: QWidget) -> bool:
    """Alt+letter on a caption does what QLabel does: nothing when its buddy's own focus policy
    is NoFocus (even if a proxy would take it), else focus to the buddy or its proxy — which
    must be a control that accepts it, not a container that silently swallows the key."""
    if widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
        return False
    target = _deepest_proxy(widget) or widget
    return bool(target.focusPolicy() & Qt.FocusPolicy.TabFocus)


def _menu_mnemonics(root: QWidget) -> dict[str, str]:
    keys: dict[str, str] = {}
    for bar in root.findChildren(QMenuBar):
        for action in bar.actions():
            key = mnemonic(action.text())
            if key:
                keys[key] = f"menu {action.text().replace('&', '')!r}"
    return keys


def mnemonic_problems(root: QWidget) -> list[str]:
    """Every visible button and every field caption carries an Alt+letter, and no two of them
    (nor a menu of the menu bar) share one: a shared letter only moves the focus between them."""
    problems = []
    taken = _menu_mnemonics(root)
    controls: list[tuple[QWidget, str]] = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root) or widget.objectName().startswith("qt_"):
            continue
        if widget.property("repeated"):
            continue  # one per row of a list (Open console per account): reached by Tab
        if isinstance(widget, QAbstractButton) and widget.text().strip():
            if widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
                controls.append((widget, widget.text()))
        elif isinstance(widget, QLabel) and (buddy := widget.buddy()) is not None:
            if not buddy.isVisibleTo(root):
                continue
            if _takes_focus(buddy):
                controls.append((widget, widget.text()))
            elif mnemonic(widget.text()):
                problems.append(f"{_name(widget)}: its Alt+letter leads to no control")
    for widget, text in controls:
        key = mnemonic(text)
        if key is None:
            problems.append(f"{_name(widget)} has no mnemonic (Alt+letter)")
        elif key in taken:
            problems.append(f"{_name(widget)} and {taken[key]} share Alt+{key.upper()}")
        else:
            taken[key] = _name(widget)
    return problems


def keyboard_problems(root: QWidget) -> list[str]:
    return tab_order_problems(root) + mnemonic_problems(root)
