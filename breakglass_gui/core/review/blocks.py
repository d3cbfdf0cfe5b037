"""The building blocks of the review's outline (document.py): facts, tables with column shares,
paragraphs, code, sections. Plain text only; escaping is each writer's job."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # share of the text width; a table's widths add up to 1
    mono: bool = False  # identifiers: monospaced, may break anywhere


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    flagged: frozenset[int] = frozenset()  # rows to mark (high risk, failed)
    empty: str = "None."
    kind: ClassVar[str] = "table"


@dataclass(frozen=True)
class Facts:
    """Label → value pairs (the summary, a request)."""

    rows: tuple[tuple[str, str], ...]
    flagged: frozenset[int] = frozenset()
    kind: ClassVar[str] = "facts"


@dataclass(frozen=True)
class Paragraph:
    text: str
    tone: str = ""  # "", "bad" (a finding), "note" (how to check)
    kind: ClassVar[str] = "paragraph"


@dataclass(frozen=True)
class Code:
    """A command to run, or a raw record in the appendix (kept as it is, wrapped)."""

    text: str
    caption: str = ""
    kind: ClassVar[str] = "code"


Block = Table | Facts | Paragraph | Code


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]
    appendix: bool = False


@dataclass(frozen=True)
class Document:
    title: str  # "[DRILL] Break-glass review — BG-…" for a drill
    subtitle: str
    incident: str
    drill: bool
    sections: tuple[Section, ...] = field(default_factory=tuple)  # the first is the summary

    @property
    def summary(self) -> Section:
        return self.sections[0]
