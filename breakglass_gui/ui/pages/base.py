"""What every page has: a heading, fields with their error next to them, a page-level error,
a busy indicator (with Cancel where it is safe) and a row of actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from PySide6.QtWidgets import (
    QBoxLayout,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from breakglass_gui.core.errors import BreakGlassError
from breakglass_gui.core.text import visible
from breakglass_gui.ui import theme
from breakglass_gui.ui.qt_namespace import set_by_name
from breakglass_gui.ui.tab_order import hand_focus_to, is_row_of_controls, reading_order
from breakglass_gui.ui.text import plain_label

if TYPE_CHECKING:
    from breakglass_gui.ui.controller import Controller


def wrapped(text: str = "") -> QLabel:
    label = plain_label(text)
    label.setWordWrap(True)
    return label


def _scrolling(name: str) -> tuple[QScrollArea, QVBoxLayout]:
    """A frameless vertical scroll area and the layout of what it scrolls."""
    content = QWidget()
    content.setObjectName(f"{name}-content")
    body = QVBoxLayout(content)
    body.setContentsMargins(0, 0, 0, 0)
    scroll = QScrollArea()
    scroll.setObjectName(f"{name}-scroll")
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    set_by_name(scroll, "horizontalScrollBarPolicy", "ScrollBarAlwaysOff")
    set_by_name(scroll, "focusPolicy", "NoFocus")  # not a Tab stop: the fields inside are
    scroll.setWidget(content)
    return scroll, body


class Page(QWidget):
    name = ""
    title = ""
    intro = ""
    # Errors the core raises without naming a field, by code → the field they belong to (a
    # wrong unseal share stands under the share field, and the cursor goes back there).
    FIELD_OF_CODE: ClassVar[dict[str, str]] = {}

    def __init__(self, ctl: Controller) -> None:
        super().__init__()
        self.ctl = ctl
        self.setObjectName(f"page-{self.name}")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        heading = plain_label(self.title)
        heading.setObjectName("heading")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        heading.setFont(font)
        outer.addWidget(heading)
        self.intro_label = wrapped(self.intro)
        outer.addWidget(self.intro_label)
        # The page's content scrolls when the window is small (1024×700 and up, issue 19); the
        # heading above and the errors and actions below stay in view.
        self.scroll_area, self.body = _scrolling(self.objectName())
        outer.addWidget(self.scroll_area, 1)
        self.error = theme.tint(wrapped(), "error")
        self.error.setObjectName("page-error")
        self.error.setAccessibleName("Error")
        self.error.hide()
        outer.addWidget(self.error)
        busy = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(160)
        self.busy_label = wrapped()  # a long step name wraps, never widening the window
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(self._cancel)
        busy.addWidget(self.progress)
        busy.addWidget(self.busy_label, 1)
        busy.addWidget(self.cancel)
        self._busy_widgets = (self.progress, self.busy_label, self.cancel)
        for widget in self._busy_widgets:
            widget.hide()
        outer.addLayout(busy)
        self.action_row = QHBoxLayout()
        self.action_row.addStretch(1)
        outer.addLayout(self.action_row)
        self._field_errors: dict[str, QLabel] = {}
        self._field_widgets: dict[str, QWidget] = {}
        self.captions: dict[str, QLabel] = {}
        self._token = 0
        self._cancelled = False

    # ----- building ---------------------------------------------------------------------------

    def form(self, into: QBoxLayout | None = None) -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        (into if into is not None else self.body).addLayout(form)
        return form

    def add_field(
        self, form: QFormLayout, name: str, label: str, widget: QWidget, note: str = ""
    ) -> QWidget:
        """A labelled field (mnemonic in `label`), its note and its error label beneath it."""
        caption = plain_label(label)
        caption.setBuddy(widget)
        if is_row_of_controls(widget):  # Alt+letter goes to the first of them
            controls = reading_order(widget)
            if controls:
                hand_focus_to(widget, controls[0])
        widget.setAccessibleName(label.replace("&", ""))
        widget.setObjectName(name)
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        if note:
            column.addWidget(theme.note(wrapped(note)))
        error = theme.tint(wrapped(), "error")
        error.setObjectName(f"{name}-error")
        error.hide()
        column.addWidget(error)
        form.addRow(caption, box)
        self._field_errors[name] = error
        self._field_widgets[name] = widget
        self.captions[name] = caption
        return widget

    def button(self, text: str, slot: object, *, primary: bool = False) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(slot)
        if primary:
            button.setDefault(True)
            button.setAutoDefault(True)
        self.action_row.addWidget(button)
        return button

    # ----- errors -----------------------------------------------------------------------------

    def clear_errors(self) -> None:
        self.error.hide()
        self.error.clear()
        for label in self._field_errors.values():
            label.hide()
            label.clear()

    def field_error(self, name: str) -> str:
        label = self._field_errors.get(name)
        return label.text() if label is not None and not label.isHidden() else ""

    def show_error(self, error: BaseException | None, message: str) -> None:
        """Next to its field when the core named one this page has, else at the page foot."""
        field = None
        if isinstance(error, BreakGlassError):
            field = error.field or self.FIELD_OF_CODE.get(error.code)
        if field is not None and field in self._field_errors:
            label = self._field_errors[field]
            label.setText(visible(message, multiline=True))
            label.show()
            self._field_widgets[field].setFocus()
            return
        self.error.setText(visible(message, multiline=True))  # may quote Vault or AWS
        self.error.show()

    # ----- busy -------------------------------------------------------------------------------

    def start_busy(self, text: str, cancellable: bool) -> int:
        self._token += 1
        self._cancelled = False
        self.clear_errors()
        self.busy_label.setText(text if cancellable else f"{text} (this cannot be cancelled)")
        self.progress.show()
        self.busy_label.show()
        self.cancel.setVisible(cancellable)
        self.set_inputs_enabled(False)
        return self._token

    def finish_busy(self, token: int) -> bool:
        """False when the operator cancelled (or a newer call replaced this one)."""
        if token != self._token or self._cancelled:
            return False
        for widget in self._busy_widgets:
            widget.hide()
        self.set_inputs_enabled(True)
        return True

    @property
    def busy(self) -> bool:
        return self.progress.isVisible()

    def _cancel(self) -> None:
        self._cancelled = True
        for widget in self._busy_widgets:
            widget.hide()
        self.set_inputs_enabled(True)
        self.error.setText("Cancelled. Nothing was changed.")
        self.error.show()

    def set_inputs_enabled(self, enabled: bool) -> None:
        for widget in self._field_widgets.values():
            widget.setEnabled(enabled)
        for index in range(self.action_row.count()):
            item = self.action_row.itemAt(index)
            button = item.widget() if item is not None else None
            if button is not None:
                button.setEnabled(enabled)

    # ----- life cycle -------------------------------------------------------------------------

    def prepare(self) -> None:
        """Called just before the page becomes current, while it is still hidden: work that
        changes its layout (showing or hiding rows) costs least here. Then `enter`."""
        return

    def enter(self) -> None:
        """Called when the page becomes current: refresh from the procedure."""
        self.clear_errors()
        self.refresh()

    def refresh(self) -> None:
        return

    def leave(self) -> None:
        """Called when another page becomes current: stop timers."""
        return
