"""ui/qt_namespace.py: the first page sets Qt-namespace values by name and by number; those
must be Qt's own, an unknown name must fail loudly, and what waits for the namespace runs once.
(The real start, where the namespace does not exist yet, is tests/e2e/test_real_start.py.)"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from breakglass_gui.core.config.model import Account
from breakglass_gui.ui import qt_namespace
from breakglass_gui.ui.qt_namespace import CHECK_STATE_ROLE, CHECKED, UNCHECKED, USER_ROLE
from breakglass_gui.ui.text import plain_label
from breakglass_gui.ui.widgets.account_picker import AccountPicker


def test_the_numbers_are_qt_s_own() -> None:
    assert Qt.ItemDataRole.UserRole.value == USER_ROLE
    assert Qt.ItemDataRole.CheckStateRole.value == CHECK_STATE_ROLE
    assert (Qt.CheckState.Checked.value, Qt.CheckState.Unchecked.value) == (CHECKED, UNCHECKED)


def test_a_value_set_by_name_is_the_enum_s_and_an_unknown_name_fails(qtbot: QtBot) -> None:
    label = plain_label("<b>not bold</b>")
    qtbot.addWidget(label)
    assert label.textFormat() == Qt.TextFormat.PlainText
    qt_namespace.set_by_name(label, "alignment", "AlignCenter")
    assert label.alignment() == Qt.AlignmentFlag.AlignCenter
    with pytest.raises(ValueError, match="QLabel has no textFormat value 'Plain'"):
        qt_namespace.set_by_name(label, "textFormat", "Plain")
    with pytest.raises(ValueError, match="QLabel has no textFormt value"):
        qt_namespace.set_by_name(QLabel(), "textFormt", "PlainText")


def test_what_waits_for_the_namespace_runs_once_and_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran: list[str] = []
    monkeypatch.setattr(qt_namespace, "loaded", lambda: False)
    first, second = (lambda: ran.append("first")), (lambda: ran.append("second"))
    qt_namespace.after_first_paint(first)
    qt_namespace.after_first_paint(second)
    qt_namespace.after_first_paint(first)  # asked again before the namespace: still once
    assert ran == []
    qt_namespace.load()
    assert ran == ["first", "second"]
    monkeypatch.undo()
    qt_namespace.after_first_paint(first)  # the namespace exists: at once
    assert ran == ["first", "second", "first"]


def test_a_tick_stored_by_qt_s_delegate_is_read_like_the_picker_s_own(qtbot: QtBot) -> None:
    """The picker stores ticks as numbers (no `Qt` before the first paint); a click stores
    Qt's enum through the model. Both count as chosen."""
    picker = AccountPicker()
    qtbot.addWidget(picker)
    picker.set_accounts(
        [Account("111111111111", "a", "prod"), Account("222222222222", "b", "prod")],
        checked=["111111111111"],
    )
    assert picker.chosen() == ("111111111111",)
    second = picker.model.index(1, 0)
    picker.model.setData(second, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert picker.chosen() == ("111111111111", "222222222222")
    picker.model.setData(second, Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    assert picker.chosen() == ("111111111111",)
