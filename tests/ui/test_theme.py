"""Colours follow the desktop's palette (issue 6): each tone reads on a light and on a dark
window (WCAG AA contrast, 4.5:1), and a palette change while the app runs — the desktop switching
to dark at night — colours tinted labels and table cells again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
)

from breakglass_gui.ui import theme

LIGHT_WINDOW = "#efefef"  # Fusion's light window
DARK_WINDOW = "#2b2b2b"  # scripts/screenshots.py's dark desktop


def _luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _window(colour: str) -> QPalette:
    palette = QPalette(QApplication.palette())
    palette.setColor(QPalette.ColorRole.Window, QColor(colour))
    return palette


@pytest.fixture
def desktop(qapp) -> Iterator[QApplication]:
    """The test's own palette changes, undone afterwards for the rest of the suite."""
    before = QPalette(QApplication.palette())
    theme.follow_palette()
    QApplication.setPalette(_window(LIGHT_WINDOW))
    yield qapp
    QApplication.setPalette(before)


@pytest.mark.parametrize("tone", list(theme.TONES))
def test_every_tone_reads_on_a_light_and_a_dark_window(tone: theme.Tone) -> None:
    on_light, on_dark = (QColor(value) for value in theme.TONES[tone])
    assert contrast(on_light, QColor(LIGHT_WINDOW)) >= 4.5
    assert contrast(on_dark, QColor(DARK_WINDOW)) >= 4.5


def test_the_tone_is_chosen_from_the_palette_in_force(desktop) -> None:
    assert not theme.dark() and theme.colour("error") == QColor(theme.TONES["error"][0])
    QApplication.setPalette(_window(DARK_WINDOW))
    assert theme.dark() and theme.colour("error") == QColor(theme.TONES["error"][1])


def test_a_switch_to_dark_while_running_colours_labels_and_cells_again(qtbot, desktop) -> None:
    label = theme.tint(QLabel("Vault is sealed."), "error", bold=True)
    plain = theme.tint(theme.tint(QLabel("Not signed yet."), "error"), None)
    table = QTableWidget(1, 1)
    cell = QTableWidgetItem("FAIL")
    table.setItem(0, 0, cell)
    theme.tint_item(cell, "error")
    tree = QTreeWidget()
    tree.setColumnCount(2)
    step = QTreeWidgetItem(["Rotate the access key", "done"])
    theme.tint_item(step, "ok", column=1)
    tree.addTopLevelItem(step)
    for widget in (label, plain, table, tree):
        qtbot.addWidget(widget)
    light_error, dark_error = theme.TONES["error"]
    assert light_error in label.styleSheet() and "bold" in label.styleSheet()

    QApplication.setPalette(_window(DARK_WINDOW))  # what the platform theme does at dusk
    QGuiApplication.processEvents()
    assert dark_error in label.styleSheet() and "bold" in label.styleSheet()
    assert plain.styleSheet() == ""  # untinted stays the palette's own colour
    assert table.item(0, 0).foreground().color() == QColor(dark_error)
    assert step.foreground(1).color() == QColor(theme.TONES["ok"][1])

    QApplication.setPalette(_window(LIGHT_WINDOW))
    QGuiApplication.processEvents()
    assert light_error in label.styleSheet()
    assert table.item(0, 0).foreground().color() == QColor(light_error)


def test_the_ui_colours_text_only_through_the_theme() -> None:
    """A raw style sheet colour would not follow a palette change; banners (their own
    background and text) and the theme itself are the exceptions."""
    from pathlib import Path

    ui = Path(theme.__file__).parent
    allowed = {ui / "theme.py", ui / "widgets" / "banner.py"}
    offenders = [
        f"{path.relative_to(ui)}:{number}"
        for path in sorted(ui.rglob("*.py"))
        if path not in allowed
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "setStyleSheet(" in line or "theme.style(" in line
    ]
    assert offenders == []
