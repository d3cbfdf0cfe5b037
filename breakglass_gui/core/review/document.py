"""The review's structure, decided once for every format (issue 19, docs/rules.md §5.1).

`outline(review)` turns the review data (`data.build_review`, which the JSON format writes as
it is) into what an auditor reads: a one-page summary first, then the sections in a fixed order,
then an appendix with the raw CloudTrail records of the high-risk events — and of no others.
The PDF (`pdf.py`), HTML and Markdown writers (`render.py` and the templates) only lay this
out, so the three cannot drift apart. Every text here is plain; escaping is each writer's job.

Times are shown as the time of day in UTC (the summary gives the date once), durations for
people (`core/humane.py`); identifiers (ARNs, hashes, key fingerprints) are set in a
monospaced column that may break anywhere.
"""

from __future__ import annotations

from typing import Any

from breakglass_gui.core.humane import when
from breakglass_gui.core.review import sections as part
from breakglass_gui.core.review.blocks import Document, Section
from breakglass_gui.core.review.summary import summary

TITLE = "Break-glass review"


def outline(review: dict[str, Any]) -> Document:
    incident = review["incident"]
    drill = bool(review.get("drill"))
    mark = "[DRILL] " if drill else ""
    sections = (
        summary(review),
        part.approvals(review),
        part.accounts(review),
        part.activity(review),
        part.ending(review),
        part.notices(review),
        part.notes(review),
        part.timeline(review),
        part.journal(review),
        part.appendix(review),
    )
    return Document(
        title=f"{mark}{TITLE} — {incident['id']}",
        subtitle=(
            f"{review['organisation']} · {incident['state']} · declared "
            f"{when(incident['declared_at'])}"
        ),
        incident=incident["id"],
        drill=drill,
        sections=tuple(
            Section(f"{mark}{s.title}", s.blocks, s.appendix) for s in sections if s.blocks
        ),
    )
