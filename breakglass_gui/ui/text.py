"""Untrusted text on screen (docs/rules.md §12): plain text only, invisible characters made visible.

A `QLabel` detects rich text by default (`Qt.AutoText`): a config string or a CloudTrail field
that looks like HTML would be rendered as HTML — a fake "approved" line, an image fetched from
anywhere. Every label of the app is made here, as plain text; the one deliberate rich-text
view (the recovery facts) escapes every value with `escaped()`. Tooltips
are always detected as rich text by Qt, so a tooltip with untrusted text goes through
`tooltip()`. `visible()` (core/text.py) shows bidi overrides and control characters as escapes.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from breakglass_gui.core.text import visible
from breakglass_gui.ui.qt_namespace import set_by_name


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    set_by_name(label, "textFormat", "PlainText")  # not Qt.TextFormat: ui/qt_namespace.py
    return label


def escaped(value: object) -> str:
    """A value for a rich-text view: invisible characters escaped, then HTML-escaped."""
    import html  # here, as in tooltip(): its entity table is not needed for the first page

    return html.escape(visible(value))


def tooltip(value: object) -> str:
    """Untrusted text as a tooltip Qt cannot take for markup."""
    import html

    return "<qt>" + html.escape(visible(value, multiline=True)).replace("\n", "<br>") + "</qt>"
