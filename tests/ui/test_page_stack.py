"""The wizard's page area lays out only the page on show (why: widgets/page_stack.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from breakglass_gui.ui.widgets.page_stack import PageStack


def _page(name: str) -> QWidget:
    page = QWidget()
    page.setObjectName(name)
    QLabel(name, page).setObjectName(f"{name}-label")
    return page


def test_only_the_page_on_show_is_in_the_layout(qtbot) -> None:
    stack = PageStack()
    qtbot.addWidget(stack)
    pages = [_page(name) for name in ("first", "second", "third")]
    for page in pages:
        stack.add_page(page)
    stack.show()
    assert stack.count() == 0 and stack.currentWidget() is None  # none shown yet
    stack.show_page(pages[0])
    assert stack.count() == 1 and stack.currentWidget() is pages[0]
    stack.show_page(pages[2])
    assert stack.count() == 1 and stack.currentWidget() is pages[2]
    assert pages[2].isVisible() and not pages[0].isVisible() and not pages[1].isVisible()
    # Pages off show remain part of the window: found, owned, not deleted.
    assert stack.findChild(QLabel, "second-label") is not None
    assert all(page.parent() is stack for page in pages)
    stack.show_page(pages[2])  # the same page again: nothing changes
    assert stack.count() == 1 and pages[2].isVisible()
    stack.hide()
