"""Choose target accounts, from a handful in the config to a thousand from AWS Organizations.

- One search field: every word typed must match the account's name, id, environment, OU path or
  a tag (`team=payments`), so "prod payments" narrows to the payments accounts in production.
- Accounts from Organizations sit in their OU tree (Root/Production/Payments); the config's
  list, which has no OUs, is a flat list.
- Keyboard only: type to search; Down or Enter moves into the list; arrows move, Left/Right
  close and open an OU, Space ticks an account. A line under the list counts what is shown and
  what is chosen, so a filter never hides a ticked account silently.

The model is built once per `set_accounts` (1,000 accounts in a few tens of milliseconds,
measured by bench/account_picker.py); searching filters a proxy, nothing is rebuilt. The picker
is on the first page: what runs before its paint sets and reads Qt-namespace values by number
or name, and the rest reads `QtCore.Qt` when it runs (ui/qt_namespace.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6 import QtCore
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Signal
from PySide6.QtGui import QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from breakglass_gui.core.config import Account
from breakglass_gui.core.text import visible
from breakglass_gui.ui import theme
from breakglass_gui.ui.qt_namespace import (
    CHECK_STATE_ROLE,
    CHECKED,
    UNCHECKED,
    USER_ROLE,
    set_by_name,
)
from breakglass_gui.ui.tab_order import hand_focus_to

ID_ROLE = USER_ROLE
SEARCH_ROLE = USER_ROLE + 1
EXPAND_ALL_UP_TO = 60  # accounts: below this every OU starts open, above it only the top level


class _Search(QSortFilterProxyModel):
    """Rows whose search text holds every word typed; an OU stays while any account below
    it matches (recursive filtering), and shows all its accounts when its own path matches."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self.setRecursiveFilteringEnabled(True)

    def set_words(self, text: str) -> None:
        self.beginFilterChange()  # Qt 6.10's replacement for invalidateFilter()
        self.words = text.lower().split()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not self.words:
            return True
        index = self.sourceModel().index(row, 0, parent)
        haystack = str(index.data(SEARCH_ROLE) or "")
        return all(word in haystack for word in self.words)


def _ticked(item: QStandardItem) -> bool:
    """The tick as stored: this picker stores a number, Qt's delegate (a click) its enum."""
    state = item.data(CHECK_STATE_ROLE)
    return bool(getattr(state, "value", state) == CHECKED)


class _Tree(QTreeView):
    """Space ticks the current account (Qt's delegate does it only while an item is selected
    with the mouse's focus rules; here it always does)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == QtCore.Qt.Key.Key_Space and self.currentIndex().isValid():
            picker = self.parent()
            if isinstance(picker, AccountPicker):
                picker.toggle(self.currentIndex())
                return
        super().keyPressEvent(event)


class _SearchField(QLineEdit):
    def __init__(self, picker: AccountPicker) -> None:
        super().__init__()
        self._picker = picker

    def keyPressEvent(self, event: QKeyEvent) -> None:
        keys = QtCore.Qt.Key
        if event.key() in (keys.Key_Down, keys.Key_Return, keys.Key_Enter):
            self._picker.enter_list()
            return
        super().keyPressEvent(event)


class AccountPicker(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = _SearchField(self)
        self.search.setPlaceholderText("Search by name, account id, OU, environment or tag")
        self.search.setAccessibleName("Search accounts")
        self.search.setClearButtonEnabled(True)
        self.model = QStandardItemModel(self)
        self.model.setHorizontalHeaderLabels(["Account", "Id", "Environment"])
        self.proxy = _Search()
        self.proxy.setSourceModel(self.model)
        self.view = _Tree(self)
        self.view.setModel(self.proxy)
        self.view.setAccessibleName("Accounts")
        self.view.setUniformRowHeights(True)  # a thousand rows lay out without measuring each
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAllColumnsShowFocus(True)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # names: the room left
        self.count = QLabel()
        set_by_name(self.count, "textFormat", "PlainText")
        self.count.setObjectName("account-count")
        # Where the list comes from, and how old it is (the Organizations snapshot).
        self.source = theme.note(QLabel())
        set_by_name(self.source, "textFormat", "PlainText")
        self.source.setWordWrap(True)
        self.source.setObjectName("account-source")
        self.source.hide()
        self.search.textChanged.connect(self._filter)
        self.model.itemChanged.connect(self._item_changed)
        layout.addWidget(self.search)
        layout.addWidget(self.view)
        layout.addWidget(self.count)
        layout.addWidget(self.source)
        hand_focus_to(self, self.search)
        self._items: dict[str, tuple[QStandardItem, list[QStandardItem]]] = {}
        self._tips: dict[str, str] = {}
        self._listed: tuple[Account, ...] | None = None
        self._tree = False

    # ----- filling ----------------------------------------------------------------------------

    def set_accounts(
        self,
        accounts: Iterable[Account],
        *,
        allowed: Iterable[str] = (),
        checked: Iterable[str] = (),
        reason: str = "Not in the request the approvers signed.",
    ) -> None:
        """`allowed` empty means all; accounts outside it are shown disabled with `reason`.
        The same accounts again (a page refreshed, another emergency type chosen) only change
        what may be ticked: the tree is built once per list."""
        listed = tuple(accounts)
        if listed != self._listed:
            self._build(listed)
        allowed_set, checked_set = set(allowed), set(checked)
        self.model.blockSignals(True)
        for account, (name, cells) in self._items.items():
            ok = not allowed_set or account in allowed_set
            for cell in cells:
                cell.setEnabled(ok)
            name.setCheckable(ok)
            name.setData(CHECKED if ok and account in checked_set else UNCHECKED, CHECK_STATE_ROLE)
            name.setToolTip(self._tips[account] if ok else reason)
        self.model.blockSignals(False)
        # The view learns of the states changed above from _filter: expanding or collapsing
        # repaints its viewport (tests/ui/test_account_picker.py). Asking the viewport itself
        # made Shiboken type the C++ widget it returns, which loads every QtWidgets class it
        # might be: 39 more enums, 5-10 ms before the first page was painted (docs/rules.md
        # §13).
        self._filter(self.search.text())

    def _build(self, listed: tuple[Account, ...]) -> None:
        self._listed = listed
        self._tree = any(a.ou_path for a in listed)
        self.model.blockSignals(True)
        self.model.removeRows(0, self.model.rowCount())
        self._items, self._tips = {}, {}
        folders: dict[str, QStandardItem] = {}
        for account in listed:
            row = self._row(account)
            if self._tree:
                self._folder(account.ou_path or "Root", folders).appendRow(row)
            else:
                self.model.appendRow(row)
        for path, folder in folders.items():
            folder.setText(f"{path.rsplit('/', 1)[-1]}  ({self._count_below(folder)})")
        self.model.blockSignals(False)
        self.view.setRootIsDecorated(self._tree)
        self.proxy.invalidate()
        self._size_columns(listed)

    def _size_columns(self, listed: tuple[Account, ...]) -> None:
        """Id and environment as wide as their longest text, measured once from the strings
        (Qt's resize-to-contents would lay out every one of a thousand rows)."""
        metrics = self.view.fontMetrics()
        pad = 3 * metrics.averageCharWidth()
        environments = {visible(a.environment) for a in listed} | {"Environment"}
        self.view.setColumnWidth(1, metrics.horizontalAdvance("000000000000") + pad)
        self.view.setColumnWidth(2, max(metrics.horizontalAdvance(e) for e in environments) + pad)

    def _row(self, account: Account) -> list[QStandardItem]:
        name = QStandardItem(visible(account.name))
        name.setData(account.id, ID_ROLE)
        name.setData(account.search_text(), SEARCH_ROLE)  # the filter reads column 0 only
        tags = ", ".join(f"{k}={v}" for k, v in account.tags)
        self._tips[account.id] = "\n".join(
            line for line in (visible(account.ou_path), tags and f"Tags: {visible(tags)}") if line
        )
        cells = [name, QStandardItem(account.id), QStandardItem(visible(account.environment))]
        self._items[account.id] = (name, cells)
        return cells

    def _folder(self, path: str, folders: dict[str, QStandardItem]) -> QStandardItem:
        """The OU item for `path` ("Root/Production"), made with its parents on first use."""
        if path in folders:
            return folders[path]
        parent_path, _, _ = path.rpartition("/")
        item = QStandardItem(path)
        item.setData(path.lower(), SEARCH_ROLE)
        item.setToolTip(visible(path))
        item.setSelectable(True)
        font = item.font()
        font.setBold(True)
        item.setFont(font)
        row = [item, QStandardItem(), QStandardItem()]
        for cell in row[1:]:
            cell.setData(path.lower(), SEARCH_ROLE)
        if parent_path:
            self._folder(parent_path, folders).appendRow(row)
        else:
            self.model.appendRow(row)
        folders[path] = item
        return item

    def _count_below(self, folder: QStandardItem) -> int:
        total = 0
        for i in range(folder.rowCount()):
            child = folder.child(i)
            total += self._count_below(child) if child.data(ID_ROLE) is None else 1
        return total

    def set_source(self, text: str, *, stale: bool = False) -> None:
        """Say where the accounts come from ("" hides it); `stale` shows it as a warning."""
        self.source.setText(text)
        self.source.setVisible(bool(text))
        theme.tint(self.source, "warn" if stale else None, bold=stale)

    # ----- choosing ---------------------------------------------------------------------------

    def chosen(self) -> tuple[str, ...]:
        return tuple(
            account
            for account, (item, _) in self._items.items()
            if item.isCheckable() and _ticked(item)
        )

    def set_checked(self, account_id: str, checked: bool = True) -> None:
        item = self._items.get(account_id, (None, []))[0]
        if item is not None and item.isCheckable():
            item.setData(CHECKED if checked else UNCHECKED, CHECK_STATE_ROLE)

    def toggle(self, index: QModelIndex) -> None:
        """Space on a row: tick or untick its account; on an OU, open or close it."""
        source = self.proxy.mapToSource(index.siblingAtColumn(0))
        item = self.model.itemFromIndex(source)
        if item is None:
            return
        if item.data(ID_ROLE) is None:
            self.view.setExpanded(index.siblingAtColumn(0), not self.view.isExpanded(index))
        elif item.isCheckable():
            item.setData(UNCHECKED if _ticked(item) else CHECKED, CHECK_STATE_ROLE)

    def enter_list(self) -> None:
        """From the search field into the list, on the first account shown."""
        first = self._first_account(QModelIndex())
        self.view.setFocus(QtCore.Qt.FocusReason.TabFocusReason)
        if first is not None:
            self.view.setCurrentIndex(first)

    def _first_account(self, parent: QModelIndex) -> QModelIndex | None:
        for row in range(self.proxy.rowCount(parent)):
            index = self.proxy.index(row, 0, parent)
            if index.data(ID_ROLE) is not None:
                return index
            self.view.expand(index)
            found = self._first_account(index)
            if found is not None:
                return found
        return None

    # ----- showing ----------------------------------------------------------------------------

    def _item_changed(self, _item: QStandardItem) -> None:
        self._update_count()
        self.changed.emit()

    def _filter(self, text: str) -> None:
        self.proxy.set_words(text)
        if text.strip() or len(self._items) <= EXPAND_ALL_UP_TO:
            self.view.expandAll()
        else:
            self.view.collapseAll()
            for row in range(self.proxy.rowCount()):
                self.view.expand(self.proxy.index(row, 0))
        self._update_count()

    def shown(self) -> tuple[str, ...]:
        """The account ids the filter lets through, in the list's order."""
        found: list[str] = []

        def walk(parent: QModelIndex) -> None:
            for row in range(self.proxy.rowCount(parent)):
                index = self.proxy.index(row, 0, parent)
                account = index.data(ID_ROLE)
                if account is None:
                    walk(index)
                else:
                    found.append(str(account))

        walk(QModelIndex())
        return tuple(found)

    def _update_count(self) -> None:
        total, chosen = len(self._items), len(self.chosen())
        shown = len(self.shown()) if self.proxy.words else total
        of = f"{shown:,} of {total:,} accounts shown"
        visible_ids = set(self.shown()) if shown < total else set(self._items)
        hidden = sum(1 for a in self.chosen() if a not in visible_ids)
        parts = [of if shown < total else f"{total:,} accounts"]
        parts.append(f"{chosen} chosen" + (f" ({hidden} hidden by the search)" if hidden else ""))
        self.count.setText(" · ".join(parts))
