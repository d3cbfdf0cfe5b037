"""The live activity panel (docs/rules.md §3): filter box, high-risk-only switch, the event table,
a detail pane with the raw CloudTrail JSON, and how fresh the data is."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QItemSelection, QSettings, Qt
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
from breakglass_gui.core.humane import elapsed
from breakglass_gui.core.text import visible
from breakglass_gui.ui.layout_memory import remember
from breakglass_gui.ui.models.activity import (
    COLUMNS,
    EVENT_ROLE,
    ActivityFilterProxy,
    ActivityTableModel,
)
from breakglass_gui.ui.text import plain_label

DELIVERY_NOTE = "CloudTrail delivers within ~5 min"
# Starting widths (px); the last column stretches. The operator may drag them.
WIDTHS = {
    "Time (UTC)": 80,
    "Event name": 170,
    "Account": 110,
    "Event source": 150,
    "Resource": 200,
    "Source IP": 110,
}


def freshness(last_checked: float | None, now: float) -> str:
    if last_checked is None:
        return f"Not checked yet; {DELIVERY_NOTE}."
    return f"Last checked {elapsed(now - last_checked)} ago; {DELIVERY_NOTE}."


class ActivityPanel(QWidget):
    def __init__(self, parent: QWidget | None = None, store: QSettings | None = None) -> None:
        super().__init__(parent)
        self.model = ActivityTableModel(self)
        self.proxy = ActivityFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        caption = plain_label("&Filter")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("event, account, resource…")
        self.filter.setToolTip(
            "Matches the event name, source, account, resource, source IP and error code."
        )
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
        self.table = _event_table(self.proxy)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("Raw CloudTrail record")
        self.detail.setPlaceholderText("Select an event to see its raw CloudTrail record.")
        self.detail.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("activity-split")
        split.setChildrenCollapsible(False)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([600, 400])
        remember(split, "session/activity-detail", store)
        self.split = split
        layout.addWidget(split, 1)
        layout.addWidget(self.fresh)
        self.filter.textChanged.connect(self._refilter)
        self.risky.toggled.connect(self._refilter)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self._update_count()

    def clear(self) -> None:
        """Empty, for a new incident: the panel shows one incident's activity only."""
        self.model.clear()
        self.detail.clear()
        self.filter.clear()
        self.risky.setChecked(False)
        self.fresh.setText(freshness(None, 0))
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


def _event_table(proxy: ActivityFilterProxy) -> QTableView:
    table = QTableView()
    table.setModel(proxy)
    table.setAccessibleName("CloudTrail activity of this incident")
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    # What happened first, where second: the event name comes right after the time, so it
    # is in view at 1024 px with the detail pane open (the model's columns keep their order).
    header.moveSection(COLUMNS.index("Event name"), 1)
    for name, width in WIDTHS.items():
        table.setColumnWidth(COLUMNS.index(name), width)
    return table
