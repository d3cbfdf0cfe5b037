"""The review an auditor reads (issue 19, item 4): one outline for the PDF, HTML and Markdown;
page 1 a summary; every PDF page headed "page N of M" (and DRILL in a drill); raw CloudTrail
records only in the appendix and only for high-risk events; times and durations for people."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from breakglass_gui.core.humane import clock, duration, since, when
from breakglass_gui.core.incident import State
from breakglass_gui.core.review.data import build_review
from breakglass_gui.core.review.document import outline
from breakglass_gui.core.review.pdf import review_pdf
from breakglass_gui.core.review.render import render_html, render_markdown
from tests.support.pdf_text import pdf_pages

# A figure with two or more decimals before a unit: how a raw float reads ("437.139 s").
APPENDIX = "Appendix A: high-risk events"
RAW_FIGURE = re.compile(r"\b\d+\.\d{2,}\s?s\b")


_BUILT: dict[str, Any] = {}  # one drill incident's review and PDF text, built once per worker


@pytest.fixture
def drill_review(make_world: Any) -> dict[str, Any]:
    """The review of one drill incident driven to ROTATED (plain data: kept for this module's
    other tests, which read it and never change it)."""
    if "review" not in _BUILT:
        world = make_world()
        deps = world.deps

        def drill() -> Any:
            made = deps()
            made.drill = True
            return made

        world.deps = drill  # type: ignore[method-assign]
        proc = world.drive(world.declare(), State.ROTATED)
        proc.write_review(world.tmp / "reviews", findings="Nothing beyond the drill's own.")
        _BUILT["review"] = build_review(proc)
    return _BUILT["review"]


@pytest.fixture
def pdf(drill_review: dict[str, Any]) -> list[str]:
    if "pdf" not in _BUILT:
        data = review_pdf(drill_review)
        assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
        _BUILT["pdf"] = pdf_pages(data)
    return _BUILT["pdf"]


def test_durations_read_as_people_say_them() -> None:
    assert duration(437.139) == "7 min 17 s"
    assert duration(0.367) == "0.4 s"
    assert duration(9.96) == "10 s"
    assert duration(59.6) == "1 min"
    assert duration(3600) == "1 h" and duration(3725) == "1 h 2 min"
    assert duration(None) == "—" and duration(-2) == "−2.0 s"
    assert clock("2026-12-01T18:48:35.404Z") == "18:48:35"
    assert when("2026-12-01T18:48:35+01:00") == "2026-12-01 17:48:35 UTC"
    assert since("2026-12-01T18:55:52Z", "2026-12-01T18:48:35Z") == "+7 min 17 s"
    assert clock("not a time") == "not a time" and since("x", "y") == ""


def test_page_one_is_the_summary(drill_review: dict[str, Any], pdf: list[str]) -> None:
    first = pdf[0]
    incident = drill_review["incident"]
    assert "Summary" in first and incident["id"] in first
    for label in ("Emergency type", "Operator", "Approvers", "Accounts", "Time to access"):
        assert label in first
    assert "Time to revoke" in first and "Findings" in first
    assert incident["emergency_type"] in first and incident["operator"] in first
    for approval in drill_review["approvals"]:
        assert f"{approval['role']}: " in first and approval["approver"] in first
    assert duration(drill_review["timing"]["time_to_access_seconds"]) in first
    assert drill_review["journal"]["final_hash"] in first
    assert "Nothing beyond the drill's own." in first  # the operator's findings
    assert "Timeline" not in first and "Accounts\n" not in first.split("Approvers")[0]


def test_every_page_is_numbered_and_marked_drill(pdf: list[str]) -> None:
    total = len(pdf)
    assert total >= 3
    for number, text in enumerate(pdf, 1):
        assert f"page {number} of {total}" in text
        assert "DRILL — NOT A REAL INCIDENT" in text


def test_raw_records_only_in_the_appendix_and_only_for_high_risk_events(
    drill_review: dict[str, Any], pdf: list[str]
) -> None:
    events = drill_review["events"]
    risky = [e for e in events if e["high_risk"] and e["raw"]]
    plain = [e for e in events if not e["high_risk"] and e["raw"]]
    assert risky and plain
    whole = "\n".join(pdf)
    appendix_at = whole.index(APPENDIX)
    body, appendix = whole[:appendix_at], whole[appendix_at:]
    flat = re.sub(r"\s+", "", appendix)
    for event in risky:
        assert f'"eventID":"{event["event_id"]}"' in flat  # the raw record is there
    for event in plain:
        assert f'"eventID":"{event["event_id"]}"' not in re.sub(r"\s+", "", whole)
    assert '"eventID"' not in body
    for text in (
        html.unescape(render_html(drill_review)),
        re.sub(r"\\(.)", r"\1", html.unescape(render_markdown(drill_review))),
    ):
        start = text.index(APPENDIX)
        for event in plain:
            assert f'"eventID": "{event["event_id"]}"' not in text
        for event in risky:
            assert f'"eventID": "{event["event_id"]}"' in text[start:]


def test_every_format_has_the_same_sections_in_the_same_order(
    drill_review: dict[str, Any], pdf: list[str]
) -> None:
    titles = [s.title for s in outline(drill_review).sections]
    assert titles[0] == "[DRILL] Summary" and titles[-1].startswith("[DRILL] Appendix A")
    page = render_html(drill_review)
    assert [html.unescape(t) for t in re.findall(r"<h2>(.*?)</h2>", page)] == titles
    markdown = render_markdown(drill_review)
    headings = [line[3:] for line in markdown.splitlines() if line.startswith("## ")]
    assert [re.sub(r"\\(.)", r"\1", h) for h in headings] == titles
    whole = "\n".join(pdf)
    positions = [whole.find(t) for t in titles]
    assert -1 not in positions and positions == sorted(positions)


def test_no_raw_figures_reach_the_reader(drill_review: dict[str, Any], pdf: list[str]) -> None:
    for text in (render_html(drill_review), render_markdown(drill_review), "\n".join(pdf)):
        assert RAW_FIGURE.findall(text) == []
    assert "T18:" not in "\n".join(pdf[:1])  # page 1 shows times as people write them


def test_table_headers_repeat_on_every_page_a_table_spans(pdf: list[str]) -> None:
    timeline_pages = [i for i, text in enumerate(pdf) if "effect.outcome" in text]
    assert len(timeline_pages) >= 2, "the timeline should span pages in this incident"
    for i in timeline_pages:  # its header row is on each of them
        assert re.search(r"#\s*Time\s*Since\s*declared\s*Entry\s*Detail", pdf[i]), pdf[i][:300]


def test_the_pdf_shows_what_its_face_cannot_draw_as_an_escape(
    drill_review: dict[str, Any],
) -> None:
    """Nothing in the PDF turns silently into a blank or a box: a character the font lacks is
    written as its escape, and a bidi override as its escape (core/text.py)."""
    from breakglass_gui.core.review.pdf import drawable, fonts

    review = {**drill_review, "findings": "Operator note: 中 \u202eevil"}
    text = "\n".join(pdf_pages(review_pdf(review)))
    assert "\\u202e" in text and "\u202e" not in text
    shown = drawable("中", fonts()["body"])  # the glyph where the face has it, else its escape
    assert shown in ("中", "\\u4e2d") and shown in text


def test_without_dejavu_the_pdf_uses_the_faces_reportlab_ships(
    drill_review: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A workstation without fonts-dejavu (and the bundle's fallback): Vera and Courier, and
    what they cannot draw (→, 中) written as escapes."""
    from breakglass_gui.core.review import pdf as writer

    monkeypatch.setattr(writer, "FONT_DIRS", ())
    writer.fonts.cache_clear()
    try:
        assert writer.fonts() == {"body": "BG-body", "bold": "BG-bold", "mono": "Courier"}
        review = {**drill_review, "findings": "Operator note: 中"}
        text = "\n".join(pdf_pages(review_pdf(review)))
        assert "Summary" in text and "\\u4e2d" in text and "中" not in text
    finally:
        writer.fonts.cache_clear()  # the next PDF registers the system's faces again


def test_the_timeline_reads_in_words(drill_review: dict[str, Any]) -> None:
    """The entries an auditor reads most are sentences, not field lists; an entry of another
    shape is still shown, field by field."""
    from breakglass_gui.core.chain import Entry
    from breakglass_gui.core.review.data import READABLE, summary_of

    lines = {t["kind"]: t["summary"] for t in drill_review["timeline"]}
    for kind in ("incident.declared", "approval.requested", "session.issued", "vault.server"):
        assert kind in READABLE and "=" not in lines[kind], (kind, lines[kind])
    assert lines["incident.declared"].startswith(drill_review["incident"]["emergency_type"])
    odd = Entry(1, "2026-12-01T00:00:00Z", "BG-X", "session.issued", {"account": "1"}, "", 1, "")
    assert summary_of(odd) == "account=1"
