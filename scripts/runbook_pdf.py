#!/usr/bin/env python3
"""Print the runbook: docs/runbook.md as one A4 page (`python scripts/runbook_pdf.py OUT.pdf`).

The runbook is written to be pinned beside the workstation; tests/docs checks that this
rendering is one page, so an added row that spills onto a second page is found before anyone
prints it. Only what the runbook uses is understood: headings, paragraphs, a numbered list,
tables, one code block, **bold** and `code`. Fonts as the review PDF's (DejaVu where installed).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from breakglass_gui.core.review.pdf import fonts  # noqa: E402

SOURCE = ROOT / "docs" / "runbook.md"
MARKERS = ("# needs real AWS", "# run by ", "# not run by the tests")
SIZE = 7.4  # points: the body; the title and headings a little larger
MARGIN_MM = 11


def _inline(text: str, mono: str) -> str:
    out = escape(re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text))  # links: their words
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    return re.sub(r"`([^`]+)`", rf'<font name="{mono}">\1</font>', out)


def flowables(markdown: str) -> list[object]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Preformatted, Spacer, Table, TableStyle

    face = fonts()
    body = ParagraphStyle("body", fontName=face["body"], fontSize=SIZE, leading=SIZE * 1.22)
    bold = {"fontName": face["bold"]}
    title = ParagraphStyle("title", body, fontSize=SIZE * 1.55, leading=SIZE * 1.9, **bold)
    heading = ParagraphStyle("h2", body, fontSize=SIZE * 1.2, leading=SIZE * 1.5, **bold)
    heading.spaceBefore, heading.spaceAfter = 3, 1
    cell = ParagraphStyle("cell", body, leading=SIZE * 1.15)
    code = ParagraphStyle("code", body, fontName=face["mono"], fontSize=SIZE * 0.82)
    code.leading = code.fontSize * 1.2
    out: list[object] = []
    rows: list[list[str]] = []
    fence: list[str] | None = None

    def flush_table() -> None:
        if not rows:
            return
        width = 210 - 2 * MARGIN_MM
        shares = [0.44, 0.56] if len(rows[0]) == 2 else [1 / len(rows[0])] * len(rows[0])
        data = [[Paragraph(_inline(c, face["mono"]), cell) for c in row] for row in rows]
        table = Table(data, colWidths=[s * width * 2.8346 for s in shares], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ]
            )
        )
        out.append(table)
        rows.clear()

    for line in markdown.splitlines():
        if fence is not None:
            if line.startswith("```"):
                out.append(Preformatted("\n".join(fence), code))
                fence = None
            elif not line.startswith(MARKERS):  # the docs tests' markers are not for the reader
                fence.append(line)
            continue
        if line.startswith("```"):
            flush_table()
            fence = []
        elif line.startswith("|"):
            if not set(line.strip()) <= set("|-: "):  # not the header's underline
                rows.append([c.strip() for c in line.strip().strip("|").split(" | ")])
        else:
            flush_table()
            if line.startswith("# "):
                out.append(Paragraph(_inline(line[2:], face["mono"]), title))
            elif line.startswith("## "):
                out.append(Paragraph(_inline(line[3:], face["mono"]), heading))
            elif line.strip():
                text = _inline(line.strip(), face["mono"])
                if re.match(r"\d+\. ", line):
                    out.append(Paragraph(text, body))
                elif out and isinstance(out[-1], Paragraph) and out[-1].style is body:
                    merged = out.pop()
                    out.append(Paragraph(f"{merged.text} {text}", body))  # type: ignore[attr-defined]
                else:
                    out.append(Paragraph(text, body))
            else:
                out.append(Spacer(1, 2))
    flush_table()
    return out


def write(target: Path, source: Path = SOURCE) -> int:
    """The PDF at `target`; returns its number of pages."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    pages = []
    doc = SimpleDocTemplate(
        str(target),
        pagesize=A4,
        leftMargin=MARGIN_MM * mm,
        rightMargin=MARGIN_MM * mm,
        topMargin=MARGIN_MM * mm,
        bottomMargin=MARGIN_MM * mm,
        title="Break Glass runbook",
    )
    doc.build(
        flowables(source.read_text(encoding="utf-8")),
        onFirstPage=lambda canvas, _: pages.append(canvas.getPageNumber()),
        onLaterPages=lambda canvas, _: pages.append(canvas.getPageNumber()),
    )
    return len(pages)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "runbook.pdf")
    count = write(out)
    print(f"{out}: {count} page{'s' if count != 1 else ''}")
    sys.exit(0 if count == 1 else 1)
