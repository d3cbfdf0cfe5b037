"""The review as PDF through Qt's own writer (docs/rules.md §5.1): the HTML rendering laid out on A4
pages, each page headed with the incident id (and DRILL for drills) and numbered.

Runs on a worker: QTextDocument and QPdfWriter paint off the GUI thread."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, QSizeF
from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter, QTextDocument

from breakglass_gui.core.review.render import render_html

HEADER_MM = 12


def review_pdf(review: dict[str, Any]) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(f"Break Glass review {review.get('incident', {}).get('id', '')}")
    writer.setCreator("Break Glass")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(15, 15 + HEADER_MM, 15, 15),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setResolution(96)
    document = QTextDocument()
    document.setHtml(render_html(review))
    painter = QPainter(writer)
    try:
        _paint(painter, writer, document, review)
    finally:
        painter.end()
    buffer.close()
    return bytes(data.data())


def _paint(
    painter: QPainter, writer: QPdfWriter, document: QTextDocument, review: dict[str, Any]
) -> None:
    page = writer.pageLayout().paintRectPixels(writer.resolution())
    header_px = HEADER_MM * writer.resolution() / 25.4
    body = QSizeF(page.width(), page.height())
    document.setPageSize(body)
    pages = max(1, document.pageCount())
    drill = bool(review.get("drill"))
    incident = str(review.get("incident", {}).get("id", ""))
    font = QFont()
    font.setBold(True)
    for number in range(pages):
        if number:
            writer.newPage()
        painter.save()
        painter.setFont(font)
        painter.setPen(QColor(176, 0, 32) if drill else QColor(0, 0, 0))
        heading = ("DRILL — " if drill else "") + f"Break Glass review {incident}"
        painter.drawText(QPointF(0, -header_px / 2), f"{heading}    page {number + 1} of {pages}")
        painter.restore()
        painter.save()
        painter.translate(0, -number * body.height())
        document.drawContents(
            painter, QRectF(0, number * body.height(), body.width(), body.height())
        )
        painter.restore()
