"""Untrusted text stays text (docs/rules.md §12, issue 15.11).

What an attacker who can write a config string, an account name, a justification or a
CloudTrail field tries first: markup that Qt renders ("<b>Approved</b>", an <img> fetched from
anywhere), a bidi override that makes one account name read as another (CVE-2021-42574), a
terminal escape that rewrites the readiness table. Each is shown as what it is.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from breakglass_gui.core.aws.checks import Check, render_table
from breakglass_gui.core.config import parse_config
from breakglass_gui.core.directory import ConfigDirectory
from breakglass_gui.core.incident import Request
from breakglass_gui.core.text import visible
from tests.fakes.main_process import run_main
from tests.fakes.world import config_data

RLO = "\u202e"
HOSTILE_NAME = f"payments-prod{RLO}dorp-tset<b>ok</b>\x1b[2J"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain text", "plain text"),
        (f"prod{RLO}dorp", "prod\\u202edorp"),
        ("a\u2066b\u2069c\u200fd\u061ce", "a\\u2066b\\u2069c\\u200fd\\u061ce"),
        ("zero\u200bwidth\ufeff", "zero\\u200bwidth\\ufeff"),
        ("\x1b[31mred\x07\x00", "\\x1b[31mred\\x07\\x00"),
        ("c1\x9bcontrol", "c1\\x9bcontrol"),
        ("line\u2028sep\u2029", "line\\u2028sep\\u2029"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("naïve Łódź 東京", "naïve Łódź 東京"),  # letters of every script stay as they are
    ],
)
def test_invisible_and_control_characters_are_shown_as_escapes(raw: str, shown: str) -> None:
    assert visible(raw) == shown


def test_multiline_text_keeps_its_line_feeds_and_tabs_only() -> None:
    assert visible("a\nb\tc\rd", multiline=True) == "a\nb\tc\\x0dd"
    assert visible("a\nb") == "a\\x0ab"


@given(st.text())
def test_nothing_invisible_survives(text: str) -> None:
    import unicodedata

    assert all(unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp") for c in visible(text))


def test_the_readiness_table_cannot_drive_the_terminal() -> None:
    check = Check("role exists", "210000000001", False, f"AWS said: {HOSTILE_NAME}", "fix it")
    table = render_table([check])
    assert RLO not in table and "\x1b" not in table
    assert "\\u202e" in table and "\\x1b[2J" in table


def test_an_account_label_shows_the_override() -> None:
    data = config_data()
    data["accounts"][0]["name"] = f"prod{RLO}dorp"
    config = parse_config(data)
    account = config.accounts[0]
    assert ConfigDirectory(config).label(account.id) == f"prod\\u202edorp ({account.id})"


def test_cli_errors_reach_the_terminal_escaped(tmp_path: Path) -> None:
    """A journal path and an argparse message carry whatever the caller typed."""
    name = tmp_path / f"journal{RLO}\x1b[2J.sqlite3"
    result = run_main("verify", str(name))
    assert result.returncode != 0
    assert RLO not in result.stderr and "\x1b" not in result.stderr
    assert "\\u202e" in result.stderr


def test_the_approvers_read_the_justification_as_typed(qtbot) -> None:
    """The request summary: plain-text labels (markup shown as typed, never rendered) with
    direction overrides made visible."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    from breakglass_gui.ui.pages.approvals import REQUEST_CAPTIONS, request_rows
    from breakglass_gui.ui.widgets.facts import Facts

    request = _request(justification=f"<img src='http://x/y'>{HOSTILE_NAME}")
    facts = Facts(REQUEST_CAPTIONS)
    qtbot.addWidget(facts)
    facts.show_rows(request_rows(request))
    labels = facts.findChildren(QLabel)
    assert labels and all(label.textFormat() == Qt.TextFormat.PlainText for label in labels)
    shown = facts.text()
    assert RLO not in shown and "\\u202e" in shown
    assert "Justification: <img src='http://x/y'>" in shown  # as typed, not an image


def _request(**changes: str) -> Request:
    fields: dict[str, str] = {
        "incident_id": "BG-20261201-ABCD",
        "emergency_type": "ad_outage",
        "other_text": "",
        "justification": "Active Directory is down.",
        "reference": "",
        "operator": "jdoe",
    }
    fields.update(changes)
    return Request(**fields, duration_seconds=3600)


def test_the_screen_audit_flags_a_label_that_would_render_markup(qtbot) -> None:
    """scripts/screenshots.py runs this audit on every screen of a drill (tests/ui/)."""
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    from breakglass_gui.ui.text import plain_label
    from tests.support.screen_audit import markup_problems

    root = QWidget()
    qtbot.addWidget(root)
    layout = QVBoxLayout(root)
    layout.addWidget(plain_label("<b>fine</b>"))
    assert markup_problems(root) == []
    auto = QLabel("<b>Approved</b>")
    auto.setObjectName("sneaky")
    layout.addWidget(auto)
    assert markup_problems(root) == ["label sneaky takes its text for markup (AutoText)"]


# ----- files named after untrusted input -------------------------------------------------------


def test_the_autopilot_refuses_a_symlinked_out_directory(tmp_path: Path) -> None:
    """An attacker who plants `out -> ~/.ssh` would choose where the journal lands."""
    from breakglass_gui.drill.autopilot import run_autopilot

    target = tmp_path / "elsewhere"
    target.mkdir()
    link = tmp_path / "out"
    link.symlink_to(target)
    assert run_autopilot(link) == 2
    assert list(target.iterdir()) == []


def test_a_link_planted_inside_the_out_directory_is_replaced_not_written_through(
    tmp_path: Path,
) -> None:
    from breakglass_gui.core.review.export import atomic_write
    from breakglass_gui.drill.autopilot import out_dir_problem

    out = tmp_path / "out"
    assert out_dir_problem(out) is None and out.is_dir()
    victim = tmp_path / "victim"
    victim.write_text("keep")
    (out / "journal.sqlite3").symlink_to(victim)
    atomic_write(out / "journal.sqlite3", b"journal")
    assert victim.read_text() == "keep"
    assert not (out / "journal.sqlite3").is_symlink()
    assert (out / "journal.sqlite3").read_bytes() == b"journal"


def test_the_cli_says_why_it_refuses_the_out_directory(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "out").symlink_to(tmp_path / "real")
    result = run_main("drill", "--autopilot", "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "DRILL REFUSED" in result.stderr and "symbolic link" in result.stderr


@pytest.mark.parametrize(
    "incident_id", ["../../etc/cron.d/x", "BG-20261201-ABCD/../../x", "BG-2026121-ABCD", ""]
)
def test_review_files_are_named_only_after_a_well_formed_incident_id(
    tmp_path: Path, incident_id: str
) -> None:
    from breakglass_gui.core.errors import ReviewError
    from breakglass_gui.core.review.export import export_review

    class Forged:
        id = incident_id

    with pytest.raises(ReviewError) as raised:
        export_review(Forged(), tmp_path, ("json",))  # type: ignore[arg-type]
    assert raised.value.code == "review.incident_id"
    assert list(tmp_path.iterdir()) == []


def test_escapes_have_the_width_of_the_code_point() -> None:
    from breakglass_gui.core.text import _escape

    assert [_escape(chr(c)) for c in (0xFF, 0x100, 0xFFFF, 0x10000)] == [
        "\\xff",
        "\\u0100",
        "\\uffff",
        "\\U00010000",
    ]
    assert visible(None) == ""
