"""The live activity panel (docs/rules.md §3): filter box, high-risk-only switch, the event table,
a detail pane with the raw CloudTrail JSON, and how fresh the data is."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from breakglass_gui.core.aws.activity import ActivityEvent
from breakglass_gui.core.text import visible
from breakglass_gui.ui.models.activity import EVENT_ROLE, ActivityFilterProxy, ActivityTableModel
from breakglass_gui.ui.text import plain_label

DELIVERY_NOTE = "CloudTrail delivers within ~5 min"


def freshness(last_checked: float | None, now: float) -> str:
    if last_checked is None:
        return f"Not checked yet; {DELIVERY_NOTE}."
    return f"Last checked {max(0, int(now - last_checked))} s ago; {DELIVERY_NOTE}."


class ActivityPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ActivityTableModel(self)
        self.proxy = ActivityFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        caption = plain_label("&Filter")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("event name, source, account, resource, IP, error…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName("Filter activity")
        caption.setBuddy(self.filter)
        self.risky = QCheckBox("&High-risk only")
        self.count = plain_label()
        self.fresh = plain_label(freshness(None, 0))
        self.fresh.setObjectName("activity-freshness")
        bar.addWidget(caption)
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.risky)
        bar.addWidget(self.count)
        layout.addLayout(bar)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("CloudTrail activity of this incident")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((170, 110, 170, 170, 220, 110)):
            self.table.setColumnWidth(column, width)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("Raw CloudTrail record")
        self.detail.setPlaceholderText("Select an event to see its raw CloudTrail record.")
        self.detail.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setSizes([780, 320])
        layout.addWidget(split, 1)
        layout.addWidget(self.fresh)
        self.filter.textChanged.connect(self._refilter)
        self.risky.toggled.connect(self._refilter)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self._update_count()

    def add(self, events: Iterable[ActivityEvent]) -> int:
        added = self.model.add_events(events)
        self._update_count()
        return added

    def set_freshness(self, last_checked: float | None, now: float) -> None:
        self.fresh.setText(freshness(last_checked, now))

    def _refilter(self) -> None:
        self.proxy.set_filter(self.filter.text(), risky_only=self.risky.isChecked())
        self._update_count()

    def _update_count(self) -> None:
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        risky = self.model.high_risk_count
        self.count.setText(f"{shown} of {total} events · {risky} high-risk")

    def _selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        event = self.proxy.data(indexes[0], EVENT_ROLE)
        if isinstance(event, ActivityEvent):
            header = f"// {event.risk_reason}\n" if event.high_risk else ""
            self.detail.setPlainText(visible(header + event.pretty(), multiline=True))
