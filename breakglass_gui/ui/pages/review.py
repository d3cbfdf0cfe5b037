"""§5 The post-incident review: findings and lessons, a preview, export to HTML, Markdown,
JSON and PDF (each written atomically), then close the incident."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QWidget,
)

from breakglass_gui.core.incident import State
from breakglass_gui.ui import theme
from breakglass_gui.ui.pages.base import Page, wrapped

if TYPE_CHECKING:
    from breakglass_gui.ui.controller import Controller

FORMATS = (("html", "&HTML"), ("md", "Mar&kdown"), ("json", "&JSON"), ("pdf", "&PDF"))


class ReviewPage(Page):
    name = "review"
    title = "7 · Review"
    intro = (
        "Access is revoked and the credentials rotated. Write down what was found and what the "
        "team should learn, then export the review for the post-incident meeting."
    )

    def __init__(self, ctl: Controller) -> None:
        super().__init__(ctl)
        form = self.form()
        self.findings = QPlainTextEdit()
        self.findings.setTabChangesFocus(True)
        self.findings.setFixedHeight(90)
        self.add_field(form, "findings", "&Findings", self.findings)
        self.lessons = QPlainTextEdit()
        self.lessons.setTabChangesFocus(True)
        self.lessons.setFixedHeight(90)
        self.add_field(form, "lessons", "Lesso&ns learned", self.lessons)
        where = QWidget()
        row = QHBoxLayout(where)
        row.setContentsMargins(0, 0, 0, 0)
        self.folder = QLineEdit()
        choose = QPushButton("Choo&se…")
        choose.clicked.connect(self._choose)
        row.addWidget(self.folder, 1)
        row.addWidget(choose)
        self.add_field(form, "folder", "Export &to", where)
        self.folder.setAccessibleName("Export folder")
        boxes = QWidget()
        box_row = QHBoxLayout(boxes)
        box_row.setContentsMargins(0, 0, 0, 0)
        self.formats: dict[str, QCheckBox] = {}
        for key, label in FORMATS:
            box = QCheckBox(label)
            box.setChecked(True)
            box_row.addWidget(box)
            self.formats[key] = box
        box_row.addStretch(1)
        self.add_field(form, "formats", "F&ormats", boxes)
        self.preview = QTextBrowser()
        self.preview.setOpenLinks(False)
        self.preview.setOpenExternalLinks(False)
        self.preview.setAccessibleName("Review preview")
        self.body.addWidget(self.preview, 1)
        self.written = theme.note(wrapped())
        self.written.setObjectName("review-written")
        self.body.addWidget(self.written)
        self.preview_button = self.button("Pre&view", self.refresh_preview)
        self.export = self.button("&Export review", self._export, primary=True)
        self.close_button = self.button("&Close incident", self._close)

    def refresh(self) -> None:
        p = self.ctl.procedure
        assert p is not None
        if not self.folder.text():
            self.folder.setText(str(self.ctl.options.reviews_dir(self.ctl.is_drill) / p.id))
        self.close_button.setEnabled(p.state is State.REVIEWED)
        self.preview.setPlainText(
            "Press Preview to see the review as it will be exported. (Laying out the whole "
            "review takes a moment, so it is done on request.)"
        )
        self.findings.setFocus()

    def set_inputs_enabled(self, enabled: bool) -> None:
        super().set_inputs_enabled(enabled)
        p = self.ctl.procedure
        if enabled and p is not None:
            self.close_button.setEnabled(p.state is State.REVIEWED)

    def refresh_preview(self) -> None:
        p = self.ctl.procedure
        assert p is not None

        def render() -> str:
            from breakglass_gui.core.review.data import build_review
            from breakglass_gui.core.review.render import render_html

            return render_html(build_review(p))

        self.ctl.run(
            self,
            render,
            self.preview.setHtml,
            context="Review preview",
            busy="Rendering the preview…",
            cancellable=True,
        )

    def _choose(self) -> None:
        chosen = self.ctl.options.prompts.directory(
            self, "Where should the review go?", Path(self.folder.text() or Path.home())
        )
        if chosen is not None:
            self.folder.setText(str(chosen))

    def _export(self) -> None:
        p = self.ctl.procedure
        assert p is not None
        formats = tuple(k for k, box in self.formats.items() if box.isChecked())
        folder = self.folder.text().strip()
        if not formats:
            self._field_errors["formats"].setText("Choose at least one format.")
            self._field_errors["formats"].show()
            return
        if not folder:
            self._field_errors["folder"].setText("Choose a folder.")
            self._field_errors["folder"].show()
            return
        findings, lessons = self.findings.toPlainText(), self.lessons.toPlainText()
        if not findings.strip() and not self.ctl.options.prompts.confirm(
            self,
            "No findings entered",
            "The review has no findings from you. Export it without them? (The app's own "
            "findings are in it either way; choose No to write yours first.)",
        ):
            self.findings.setFocus()
            return

        def export() -> list[Path]:
            return list(p.write_review(Path(folder), findings, lessons, formats))

        def done(paths: list[Path]) -> None:
            self.written.setText("Written: " + ", ".join(str(path) for path in paths))
            self.close_button.setEnabled(True)
            self.close_button.setFocus()

        self.ctl.run(self, export, done, context="Export review", busy="Writing the review…")

    def _close(self) -> None:
        p = self.ctl.procedure
        assert p is not None
        self.ctl.run(
            self,
            p.close,
            None,
            context="Close incident",
            busy="Revoking any Vault token still held and closing the incident…",
        )
