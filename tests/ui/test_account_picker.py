"""The account picker at organisation scale (docs/rules.md §16): a thousand accounts in an OU
tree, searched by name, id, OU and tag, chosen with the keyboard alone."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from breakglass_gui.core.config.model import Account
from breakglass_gui.ui.widgets.account_picker import ID_ROLE, AccountPicker

OUS = ("Root/Production/Payments", "Root/Production/Web", "Root/Sandbox", "Root/Shared")


def organisation(count: int = 1000) -> list[Account]:
    accounts = []
    for n in range(count):
        ou = OUS[n % len(OUS)]
        team = ("payments", "web", "lab", "platform")[n % 4]
        accounts.append(
            Account(
                f"{300000000000 + n}",
                f"{team}-{n:04d}",
                "prod" if "Production" in ou else "dev",
                ou_path=ou,
                tags=(("cost-centre", f"cc-{n % 7}"), ("team", team)),
            )
        )
    return accounts


def picker(qtbot: QtBot, accounts: list[Account], **kwargs: object) -> AccountPicker:
    widget = AccountPicker()
    qtbot.addWidget(widget)
    widget.set_accounts(accounts, **kwargs)  # type: ignore[arg-type]
    widget.resize(700, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_a_thousand_accounts_sit_in_their_ou_tree(qtbot: QtBot) -> None:
    widget = picker(qtbot, organisation())
    top = widget.proxy.index(0, 0)
    assert top.data() == "Root  (1000)"
    children = {widget.proxy.index(r, 0, top).data() for r in range(widget.proxy.rowCount(top))}
    assert children == {"Production  (500)", "Sandbox  (250)", "Shared  (250)"}
    assert len(widget.shown()) == 1000
    assert widget.count.text() == "1,000 accounts · 0 chosen"


def test_search_by_name_id_ou_and_tag_with_every_word_required(qtbot: QtBot) -> None:
    widget = picker(qtbot, organisation())
    widget.search.setText("payments-0004")
    assert widget.shown() == ("300000000004",)
    widget.search.setText("300000000999")
    assert widget.shown() == ("300000000999",)
    widget.search.setText("sandbox")
    assert len(widget.shown()) == 250
    widget.search.setText("cc-3")
    assert len(widget.shown()) == len([n for n in range(1000) if n % 7 == 3])
    widget.search.setText("production cc-3 web")
    expected = [n for n in range(1000) if n % 7 == 3 and n % 4 == 1]
    assert widget.shown() == tuple(f"{300000000000 + n}" for n in expected)
    assert widget.count.text().startswith(f"{len(expected)} of 1,000 accounts shown")


def test_keyboard_only_search_move_and_tick(qtbot: QtBot) -> None:
    widget = picker(qtbot, organisation())
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget, timeout=5_000)
    widget.search.setFocus()
    qtbot.keyClicks(widget.search, "lab-0002")
    qtbot.keyClick(widget.search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is widget.view
    assert widget.view.currentIndex().data(ID_ROLE) == "300000000002"
    qtbot.keyClick(widget.view, Qt.Key.Key_Space)
    assert widget.chosen() == ("300000000002",)
    qtbot.keyClick(widget.view, Qt.Key.Key_Space)
    assert widget.chosen() == ()
    qtbot.keyClick(widget.view, Qt.Key.Key_Space)
    # A search that hides a ticked account says so.
    widget.search.setText("payments")
    assert "1 chosen (1 hidden by the search)" in widget.count.text()


def test_accounts_outside_the_request_cannot_be_ticked(qtbot: QtBot) -> None:
    accounts = organisation(8)
    widget = picker(qtbot, accounts, allowed=[accounts[0].id], checked=[accounts[1].id])
    widget.set_checked(accounts[2].id)
    assert widget.chosen() == ()  # the checked one is not allowed either
    widget.set_checked(accounts[0].id)
    assert widget.chosen() == (accounts[0].id,)


def test_the_configs_list_without_ous_is_flat(qtbot: QtBot) -> None:
    widget = picker(
        qtbot, [Account("222222222222", "a", "prod"), Account("333333333333", "b", "test")]
    )
    assert not widget.view.rootIsDecorated()
    assert widget.proxy.rowCount() == 2 and widget.shown() == ("222222222222", "333333333333")


def test_the_source_line_shows_the_snapshot_and_warns_when_stale(qtbot: QtBot) -> None:
    widget = picker(qtbot, organisation(4))
    assert not widget.source.isVisible()
    widget.set_source("Accounts from the AWS Organizations snapshot of …", stale=True)
    assert widget.source.isVisible() and "snapshot" in widget.source.text()
    assert widget.source.property("breakglassTone") == "warn bold"
    widget.set_source("")
    assert not widget.source.isVisible()


class _Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_ticks_changed_by_the_page_are_painted(qtbot: QtBot) -> None:
    """set_accounts changes the check states with the model's signals blocked (a thousand
    rows, one repaint): the list on screen must still show them, small or large."""
    for size in (8, 1000):
        accounts = organisation(size)
        widget = picker(qtbot, accounts)
        paints = _Paints()
        widget.view.viewport().installEventFilter(paints)
        qtbot.wait(20)
        paints.count = 0
        widget.set_accounts(accounts, checked=[accounts[0].id])
        qtbot.waitUntil(lambda: paints.count > 0, timeout=2000)  # noqa: B023
