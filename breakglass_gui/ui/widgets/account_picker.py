"""Choose target accounts: searchable by name, id or environment; keyboard operable
(type to filter, arrows to move, space to tick)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from breakglass_gui.core.config import Account
from breakglass_gui.core.text import visible
from breakglass_gui.ui.tab_order import hand_focus_to


class AccountPicker(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search by name, account id or environment")
        self.search.setAccessibleName("Search accounts")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.list = QListWidget()
        self.list.setAccessibleName("Accounts")
        self.list.itemChanged.connect(lambda _item: self.changed.emit())
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        hand_focus_to(self, self.search)

    def set_accounts(
        self,
        accounts: Iterable[Account],
        *,
        allowed: Iterable[str] = (),
        checked: Iterable[str] = (),
        reason: str = "Not in the request the approvers signed.",
    ) -> None:
        """`allowed` empty means all; accounts outside it are shown disabled with `reason`."""
        allowed_set, checked_set = set(allowed), set(checked)
        self.list.blockSignals(True)
        self.list.clear()
        for account in accounts:
            text = f"{visible(account.name)}  ·  {account.id}  ·  {visible(account.environment)}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, account.id)
            flags = Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
            if allowed_set and account.id not in allowed_set:
                flags = Qt.ItemFlag.NoItemFlags
                item.setToolTip(reason)
            item.setFlags(flags)
            item.setCheckState(
                Qt.CheckState.Checked if account.id in checked_set else Qt.CheckState.Unchecked
            )
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._filter(self.search.text())

    def chosen(self) -> tuple[str, ...]:
        return tuple(
            str(self.list.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.list.count())
            if self.list.item(i).checkState() == Qt.CheckState.Checked
        )

    def set_checked(self, account_id: str, checked: bool = True) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == account_id:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(needle) and needle not in item.text().lower())
