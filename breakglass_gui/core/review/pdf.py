"""The review as an A4 PDF an auditor can print (issue 19, docs/rules.md §5.1).

reportlab's platypus lays out the review's outline (`document.py`): page 1 the summary, tables
whose columns have fixed shares of the width and whose header row repeats on every page they
span, identifiers in a monospaced face that may break anywhere, the raw records of high-risk
events in an appendix. Every page is headed with the incident id and "page N of M"; a drill's
pages carry the DRILL band. Qt's text-document writer was the first choice and was dropped: it
cannot repeat a table's header or size columns, so a 10-minute drill came out as 27 pages.

Pure Python, no Qt: the app writes it on a worker, the autopilot from the command line.

Fonts: DejaVu (Debian's fonts-dejavu-core, on most Linux desktops) when installed, else the
Bitstream Vera faces reportlab ships. A character the chosen face cannot draw is written as its
escape (`\\u4e2d`), the rule the app follows for what cannot be seen (core/text.py): nothing in
a review silently turns into a blank or a box.
"""

from __future__ import annotations

import functools
import io
import textwrap
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from breakglass_gui.core.review.blocks import (
    Block,
    Code,
    Document,
    Facts,
    Paragraph,
    Section,
    Table,
)
from breakglass_gui.core.review.document import outline
from breakglass_gui.core.text import visible

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu
    Path("/usr/share/fonts/dejavu-sans-fonts"),  # Fedora
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),  # Arch
)
FACES = {"body": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf", "mono": "DejaVuSansMono.ttf"}
SIZE = 8.5  # body text, points: a table of five columns fits an A4 width at this size
MONO_SIZE = 7.5
DRILL_RED = "#b00020"
RISK_FILL = "#fde7e7"
HEAD_FILL = "#eeeeee"
CODE_COLUMNS = 118  # characters per line of a raw record at MONO_SIZE across the text width


@functools.cache
def fonts() -> dict[str, str]:
    """Font names for body, bold and mono, registered with reportlab once per process."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for folder in FONT_DIRS:
        if all((folder / file).is_file() for file in FACES.values()):
            names = {}
            for face, file in FACES.items():
                name = f"BG-{face}"
                pdfmetrics.registerFont(TTFont(name, str(folder / file)))
                names[face] = name
            return names
    pdfmetrics.registerFont(TTFont("BG-body", "Vera.ttf"))  # shipped with reportlab
    pdfmetrics.registerFont(TTFont("BG-bold", "VeraBd.ttf"))
    return {"body": "BG-body", "bold": "BG-bold", "mono": "Courier"}


def drawable(text: str, font: str) -> str:
    """`text` with what `font` cannot draw written as escapes (see the module's docstring)."""
    from reportlab.pdfbase import pdfmetrics

    covered = getattr(getattr(pdfmetrics.getFont(font), "face", None), "charToGlyph", None)
    if covered is None:  # a standard Type 1 face: Latin-1
        return "".join(c if ord(c) < 0x100 else f"\\u{ord(c):04x}" for c in text)
    return "".join(c if ord(c) in covered or c in "\n\t" else f"\\u{ord(c):04x}" for c in text)


def _markup(text: str, font: str) -> str:
    """Plain text as reportlab paragraph markup: controls made visible, characters the face
    lacks escaped, markup characters escaped, line breaks kept."""
    shown = drawable(visible(text, multiline=True), font)
    return escape(shown).replace("\n", "<br/>").replace("\t", "    ")


class _Styles:
    def __init__(self) -> None:
        from reportlab.lib.colors import HexColor
        from reportlab.lib.styles import ParagraphStyle

        f = fonts()
        self.fonts = f
        base = ParagraphStyle("body", fontName=f["body"], fontSize=SIZE, leading=SIZE * 1.3)
        self.body = base
        self.note = ParagraphStyle("note", parent=base, textColor=HexColor("#444444"))
        self.bad = ParagraphStyle(
            "bad", parent=base, textColor=HexColor(DRILL_RED), fontName=f["bold"]
        )
        self.cell = ParagraphStyle("cell", parent=base, fontSize=SIZE - 0.5, leading=SIZE * 1.2)
        self.head = ParagraphStyle("head", parent=self.cell, fontName=f["bold"])
        self.mono = ParagraphStyle(
            "mono",
            parent=self.cell,
            fontName=f["mono"],
            fontSize=MONO_SIZE,
            leading=MONO_SIZE * 1.25,
            wordWrap="CJK",  # an ARN or a hash breaks anywhere rather than overflowing
        )
        self.code = ParagraphStyle(
            "code", parent=base, fontName=f["mono"], fontSize=MONO_SIZE, leading=MONO_SIZE * 1.25
        )
        self.title = ParagraphStyle(
            "title", parent=base, fontName=f["bold"], fontSize=17, leading=21, spaceAfter=4
        )
        self.subtitle = ParagraphStyle("subtitle", parent=self.note, fontSize=10, spaceAfter=10)
        self.h2 = ParagraphStyle(
            "h2",
            parent=base,
            fontName=f["bold"],
            fontSize=12,
            leading=15,
            spaceBefore=12,
            spaceAfter=5,
            keepWithNext=True,
        )

    def text(self, text: str, style: Any) -> Any:
        from reportlab.platypus import Paragraph as Para

        return Para(_markup(text, style.fontName), style)


def review_pdf(review: dict[str, Any]) -> bytes:
    """The PDF bytes of a review (the data `build_review` returns)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    doc = outline(review)
    styles = _Styles()
    out = io.BytesIO()
    template = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=22 * mm,
        bottomMargin=15 * mm,
        title=doc.title,
        author="Break Glass",
        subject=f"Break-glass review {doc.incident}",
        creator="Break Glass",
        invariant=True,  # no creation date or random id: the same review gives the same bytes
    )
    story = _story(doc, styles, template.width)
    template.build(story, canvasmaker=_numbered(doc, styles))
    return out.getvalue()


def _story(doc: Document, styles: _Styles, width: float) -> list[Any]:
    from reportlab.platypus import PageBreak

    story: list[Any] = [
        styles.text(doc.title, styles.title),
        styles.text(doc.subtitle, styles.subtitle),
    ]
    story += _section(doc.summary, styles, width)
    story.append(PageBreak())  # page 1 is the summary, whole
    for section in doc.sections[1:]:
        if section.appendix:
            story.append(PageBreak())
        story += _section(section, styles, width)
    return story


def _section(section: Section, styles: _Styles, width: float) -> list[Any]:
    return [styles.text(section.title, styles.h2), *_blocks(section.blocks, styles, width)]


def _blocks(blocks: tuple[Block, ...], styles: _Styles, width: float) -> list[Any]:
    from reportlab.platypus import Spacer

    out: list[Any] = []
    for block in blocks:
        if isinstance(block, Table):
            out.append(_table(block, styles, width))
        elif isinstance(block, Facts):
            out.append(_facts(block, styles, width))
        elif isinstance(block, Paragraph):
            style = {"bad": styles.bad, "note": styles.note}.get(block.tone, styles.body)
            out.append(styles.text(block.text, style))
        elif isinstance(block, Code):
            out += _code(block, styles)
        out.append(Spacer(1, 5))
    return out


def _grid(rows: list[list[Any]], widths: list[float], flagged: frozenset[int], header: bool) -> Any:
    from reportlab.platypus import Table as Grid
    from reportlab.platypus import TableStyle

    grid = Grid(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, "#cccccc"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL))
    offset = 1 if header else 0
    commands += [("BACKGROUND", (0, i + offset), (-1, i + offset), RISK_FILL) for i in flagged]
    grid.setStyle(TableStyle(commands))
    return grid


def _table(table: Table, styles: _Styles, width: float) -> Any:
    if not table.rows:
        return styles.text(table.empty, styles.note)
    head = [styles.text(c.title, styles.head) for c in table.columns]
    body = [
        [
            styles.text(value, styles.mono if column.mono else styles.cell)
            for column, value in zip(table.columns, row, strict=True)
        ]
        for row in table.rows
    ]
    widths = [c.width * width for c in table.columns]
    return _grid([head, *body], widths, table.flagged, header=True)


def _facts(facts: Facts, styles: _Styles, width: float) -> Any:
    rows = [
        [styles.text(label, styles.head), styles.text(value, styles.cell)]
        for label, value in facts.rows
    ]
    return _grid(rows, [0.24 * width, 0.76 * width], facts.flagged, header=False)


def _code(code: Code, styles: _Styles) -> list[Any]:
    from reportlab.platypus import Preformatted

    out: list[Any] = []
    if code.caption:
        out.append(styles.text(code.caption, styles.head))
    lines = []
    for line in drawable(visible(code.text, multiline=True), styles.fonts["mono"]).splitlines():
        lines += textwrap.wrap(
            line, CODE_COLUMNS, subsequent_indent="  ", drop_whitespace=False
        ) or [""]
    out.append(Preformatted("\n".join(lines), styles.code))
    return out


def _numbered(doc: Document, styles: _Styles) -> Any:
    """A canvas that heads every page once the page count is known ("page N of M")."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    heading = ("DRILL — " if doc.drill else "") + f"Break-glass review {doc.incident}"

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # reportlab's page reset

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                self._head(number, total)
                super().showPage()
            super().save()

        def _head(self, number: int, total: int) -> None:
            width, height = A4
            top = height - 10 * mm
            self.saveState()
            if doc.drill:
                self.setFillColor(DRILL_RED)
                self.rect(0, height - 7 * mm, width, 7 * mm, stroke=0, fill=1)
                self.setFillColor("#ffffff")
                self.setFont(styles.fonts["bold"], 9)
                self.drawCentredString(
                    width / 2, height - 5 * mm, "DRILL — NOT A REAL INCIDENT — DRILL"
                )
            self.setFillColor(DRILL_RED if doc.drill else "#000000")
            self.setFont(styles.fonts["bold"], 9)
            self.drawString(15 * mm, top - 3 * mm, drawable(heading, styles.fonts["bold"]))
            self.setFillColor("#000000")
            self.setFont(styles.fonts["body"], 9)
            self.drawRightString(width - 15 * mm, top - 3 * mm, f"page {number} of {total}")
            self.setStrokeColor("#999999")
            self.line(15 * mm, top - 5 * mm, width - 15 * mm, top - 5 * mm)
            self.restoreState()

    return NumberedCanvas
