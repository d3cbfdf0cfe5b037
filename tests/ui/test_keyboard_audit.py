"""The keyboard half of the screen audit (tests/support/screen_audit.py) and the tab order taken
from the layouts (breakglass_gui/ui/tab_order.py), on small forms built to break each rule."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from breakglass_gui.ui.tab_order import follow, hand_focus_to, reading_order
from tests.support.screen_audit import (
    focus_chain,
    keyboard_problems,
    mnemonic,
    mnemonic_problems,
    tab_order_problems,
)


def _shown(qtbot, widget: QWidget) -> QWidget:
    qtbot.addWidget(widget)
    widget.resize(500, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _late_button_form() -> tuple[QWidget, list[QWidget]]:
    """What the base page did: its busy line's Cancel is parented first, the subclass's fields
    later (into the body above it) and its action button last (in the row below it). Returns
    the form and its controls in reading order."""
    root = QWidget()
    column = QVBoxLayout(root)
    form = QFormLayout()
    column.addLayout(form)  # the body, still empty
    cancel = QPushButton("&Cancel")
    column.addWidget(cancel)
    first, second = QLineEdit(), QLineEdit()
    for text, field in (("&Name", first), ("&Reason", second)):
        caption = QLabel(text)
        caption.setBuddy(field)
        form.addRow(caption, field)
    go = QPushButton("&Go")
    column.addWidget(go)
    return root, [first, second, cancel, go]


def _round(chain: list[QWidget], start: QWidget) -> list[QWidget]:
    """Tab goes round in a circle: read it from `start`."""
    at = chain.index(start)
    return chain[at:] + chain[:at]


def test_mnemonic_reads_qt_text() -> None:
    assert mnemonic("&Declare") == "d"
    assert mnemonic("De&clare") == "c"
    assert mnemonic("Fish && chips") is None
    assert mnemonic("Fish && &chips") == "c"
    assert mnemonic("No letter") is None
    assert mnemonic("trailing &") is None


def test_creation_order_that_differs_from_the_page_is_found_and_follow_fixes_it(qtbot) -> None:
    root, controls = _late_button_form()
    first, second, cancel, go = controls
    _shown(qtbot, root)
    assert _round(focus_chain(root), first) == [first, second, go, cancel]  # creation order
    problems = tab_order_problems(root)  # Go → Cancel, or Cancel → the first field
    assert len(problems) == 1 and problems[0].startswith("Tab goes back up"), problems
    assert reading_order(root) == controls
    follow(reading_order(root))
    assert _round(focus_chain(root), first) == controls
    assert tab_order_problems(root) == []


def test_tab_back_left_along_a_row_is_found(qtbot) -> None:
    root = QWidget()
    row = QHBoxLayout(root)
    left, middle, right = QPushButton("&Left"), QPushButton("&Middle"), QPushButton("&Right")
    for button in (left, middle, right):
        row.addWidget(button)
    follow([left, right, middle])
    _shown(qtbot, root)
    assert tab_order_problems(root) == ["Tab goes back left from 'Right' to 'Middle'"]


def test_a_grid_reads_row_by_row_whatever_the_insertion_order(qtbot) -> None:
    root = QWidget()
    grid = QGridLayout(root)
    buttons = {(r, c): QPushButton(f"{r}{c}") for r in range(2) for c in range(3)}
    for (r, c), button in sorted(buttons.items(), key=lambda item: (item[0][1], item[0][0])):
        grid.addWidget(button, r, c)  # column by column
    _shown(qtbot, root)
    assert reading_order(root) == [buttons[key] for key in sorted(buttons)]
    follow(reading_order(root))
    assert tab_order_problems(root) == []


def test_missing_shared_and_menu_clashing_mnemonics_are_found(qtbot) -> None:
    window = QMainWindow()
    window.menuBar().addMenu("&Incident")
    central = QWidget()
    row = QHBoxLayout(central)
    for text in ("&Open", "&Order", "No letter", "&Import"):
        row.addWidget(QPushButton(text))
    repeated = QPushButton("Open console")
    repeated.setProperty("repeated", True)
    row.addWidget(repeated)
    window.setCentralWidget(central)
    _shown(qtbot, window)
    problems = mnemonic_problems(window)
    assert any("share Alt+O" in p for p in problems), problems
    assert any("'No letter' has no mnemonic" in p for p in problems), problems
    assert any("menu 'Incident'" in p and "Alt+I" in p for p in problems), problems
    assert not any("Open console" in p for p in problems), problems  # a per-row button
    assert len(problems) == 3, problems


def test_a_caption_whose_letter_leads_nowhere_is_found(qtbot) -> None:
    root = QWidget()
    form = QFormLayout(root)
    container = QWidget()  # a folder field and its Choose… button, as one row
    QHBoxLayout(container).addWidget(QLineEdit())
    caption = QLabel("Export &to")
    caption.setBuddy(container)
    form.addRow(caption, container)
    _shown(qtbot, root)
    assert mnemonic_problems(root) == ["'Export to': its Alt+letter leads to no control"]
    container.setFocusProxy(reading_order(container)[0])
    assert mnemonic_problems(root) != []  # QLabel ignores a buddy whose policy is NoFocus
    hand_focus_to(container, reading_order(container)[0])
    assert mnemonic_problems(root) == []


def test_a_well_made_form_passes(qtbot) -> None:
    root, _controls = _late_button_form()
    follow(reading_order(root))
    _shown(qtbot, root)
    assert keyboard_problems(root) == []
