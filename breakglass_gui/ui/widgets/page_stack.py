"""The wizard's page area: a stacked widget whose layout holds only the page on show.

Qt activates every ancestor layout, synchronously, each time a widget is shown (a busy
indicator, an error label), and a stacked layout asks every page it holds for its size. With
a dozen pages that made every such show ~5 ms of GUI-thread time and a page switch 20–60 ms,
too close to docs/rules.md §13's 50 ms. Pages not on show stay children of the stack (hidden, found
by `findChild`), outside its layout; none is on show until `show_page` shows it.
"""

from __future__ import annotations

from PySide6.QtWidgets import QStackedWidget, QWidget


class PageStack(QStackedWidget):
    def add_page(self, page: QWidget) -> None:
        page.setParent(self)
        page.hide()

    def show_page(self, page: QWidget) -> None:
        """Make `page` the current one, holding only it in the layout (QStackedWidget's own
        setCurrentWidget is not virtual: it is left as it is and used here)."""
        old = self.currentWidget()
        if old is page:
            return
        if self.indexOf(page) < 0:
            self.addWidget(page)
        self.setCurrentWidget(page)
        if old is not None:
            self.removeWidget(old)  # hidden, still our child
