"""The review: untrusted content escaped, DRILL marked, files written atomically (docs/rules.md
§5.1)."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest

from breakglass_gui.core.errors import ReviewError
from breakglass_gui.core.incident import State
from breakglass_gui.core.review.blocks import Table
from breakglass_gui.core.review.data import build_review
from breakglass_gui.core.review.document import outline
from breakglass_gui.core.review.export import atomic_write
from breakglass_gui.core.review.render import md_escape, render_html, render_markdown
from tests.fakes.aws_answers import hook_answer
from tests.fakes.world import World

EVIL = "<script>alert(1)</script>"


def alarm_history(params: dict[str, Any]) -> Any:
    """moto lacks DescribeAlarmHistory: answer as CloudWatch does (one alarm fired)."""
    name = params["AlarmName"]
    fired = "user-login" in name
    items = (
        [
            {
                "AlarmName": name,
                "HistoryItemType": "StateUpdate",
                "HistorySummary": "Alarm updated from OK to ALARM",
            }
        ]
        if fired
        else []
    )
    return hook_answer({"AlarmHistoryItems": items})


@pytest.fixture
def review(world: World) -> dict[str, Any]:
    world.faults.answers["cloudwatch.DescribeAlarmHistory"] = alarm_history
    proc = world.drive(world.declare(reference=EVIL), State.ROTATED)
    return build_review(proc)


def test_hostile_cloudtrail_and_operator_text_is_escaped_in_html(review: dict[str, Any]) -> None:
    assert any(EVIL in e["resource"] for e in review["events"])  # the data keeps it verbatim
    html = render_html(review)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_hostile_text_is_escaped_in_markdown(review: dict[str, Any]) -> None:
    markdown = render_markdown(review)
    assert "<script>" not in markdown
    assert md_escape("a|b*c_`<x>`\n") == "a\\|b\\*c\\_\\`&lt;x&gt;\\`<br>"
    # the escape's own backslash is escaped for Markdown: it renders as \x1b[31m
    assert md_escape("\x1b[31m") == "\\\\x1b\\[31m"
    assert md_escape("a\u202eb") == "a\\\\u202eb"


def test_bidi_overrides_and_controls_are_visible_in_every_review_format(
    review: dict[str, Any],
) -> None:
    hostile = "payments-prod\u202edorp-tset\x1b[2J"
    review = {**review, "findings": hostile}
    for text in (render_html(review), render_markdown(review)):
        assert "\u202e" not in text and "\x1b" not in text
        assert "\\u202e" in text and "\\x1b" in text


def test_the_review_carries_what_the_seed_asks_for(review: dict[str, Any]) -> None:
    assert [a["role"] for a in review["approvals"]] == ["primary", "secondary"]
    assert review["timing"]["time_to_access_seconds"] is not None
    assert review["timing"]["time_to_rotate_seconds"] is not None
    assert review["high_risk_count"] == 2
    controls = review["detective_controls"]
    assert controls["checked"] is True
    assert controls["alarms"] == {
        "a-tmpl-prod-alarm-break-glass-user-login": True,
        "a-tmpl-prod-alarm-break-glass-role-assumption": False,
    }
    assert (
        "did not fire for this incident: a-tmpl-prod-alarm-break-glass-role-assumption"
        in (controls["finding"])
    )  # the silent alarm is a finding
    steps = {s["step"].split(":")[0] for s in review["steps"]}
    assert {"revoke.role", "revoke.user", "rotate", "verify.user"} <= steps
    assert review["journal"]["final_hash"] == review["journal"]["entries"][-1]["hash"]


def test_a_drill_review_is_marked_drill_in_every_section(make_world: Any) -> None:
    world = make_world()
    deps = world.deps
    world.deps = lambda: _drill(deps())  # type: ignore[method-assign]
    proc = world.drive(world.declare(), State.ROTATED)
    data = build_review(proc)
    assert data["drill"] is True
    markdown = render_markdown(data)
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings and all("\\[DRILL\\]" in h for h in headings)
    assert "DRILL — NOT A REAL INCIDENT" in render_html(data)


def _drill(deps: Any) -> Any:
    deps.drill = True
    return deps


def test_a_full_disk_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "review.html"

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(ReviewError, match="No space left on device"):
        atomic_write(target, b"x" * 1000)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_review_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "review.json"
    atomic_write(target, b'{"v": 1}')
    atomic_write(target, b'{"v": 2}')
    assert json.loads(target.read_text()) == {"v": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["review.json"]


def test_the_next_review_lists_who_was_enrolled_since_the_previous_incident(world: World) -> None:
    """Issue 18 (b): an enrolment never appeared in any review. It is listed in the review of
    the next incident, and only there."""
    import pyotp

    from breakglass_gui.core.enrolment import Enrolment
    from tests.fakes.keyring_memory import MemoryStore

    first = world.drive(world.declare(), State.CLOSED)
    enrolment = Enrolment(MemoryStore(), "Test Corp", world.journal)
    approver = world.config.approver("cfo")
    assert approver is not None
    pending = enrolment.start(approver)
    secret = pending.uri.split("secret=")[1].split("&")[0]
    enrolment.confirm(pending, pyotp.TOTP(secret).at(world.clock.now()), world.clock.now())
    second = world.drive(world.declare(), State.ROTATED)
    changes = build_review(second)["registry_changes"]
    assert [(c["change"], c["approver"], c["role"]) for c in changes] == [
        ("approver.enrolled", "cfo", "secondary")
    ]
    data = build_review(second)
    listed = f"| {md_escape('approver.enrolled')} | {md_escape('cfo (secondary)')} |"
    assert listed in render_markdown(data)
    assert "<td>approver.enrolled</td><td>cfo (secondary)</td>" in render_html(data)
    # A TOTP enrolment is signed by no one: the review says so, and flags it (issue 18, item 3).
    approvals = next(x for x in outline(data).sections if x.title == "Request and approvals")
    changes = [b for b in approvals.blocks if isinstance(b, Table)][-1]
    assert [(r[1], r[2], r[4]) for r in changes.rows] == [
        ("approver.enrolled", "cfo (secondary)", "unsigned")
    ]
    assert changes.flagged == {0}
    assert build_review(first)["registry_changes"] == []
    third = world.declare()  # the incident after: the enrolment is not its news
    assert build_review(third)["registry_changes"] == []
