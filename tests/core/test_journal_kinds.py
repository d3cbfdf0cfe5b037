"""docs/journal-reference.md is generated from core/journal_kinds.py and cannot drift from it;
tests/conftest.py fails any test in which app code journals a kind the table lacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from breakglass_gui.core.journal import Journal
from breakglass_gui.core.journal_kinds import KINDS, render_reference
from tests.fakes.clock import ManualClock

DOC = Path(__file__).resolve().parents[2] / "docs" / "journal-reference.md"


def test_the_committed_reference_is_the_generated_one() -> None:
    assert DOC.read_text(encoding="utf-8") == render_reference(), (
        "docs/journal-reference.md is stale: run `python scripts/references.py`"
    )


def test_every_kind_has_a_meaning_and_an_example() -> None:
    for name, kind in KINDS.items():
        assert "." in name and kind.meaning.endswith("."), name
        assert kind.example, name


def test_an_undocumented_kind_written_by_app_code_is_caught(tmp_path: Path) -> None:
    """The conftest watcher itself: app code (the journal's caller is under breakglass_gui/)
    writing an unknown kind is recorded; a test's own kind is not."""
    from breakglass_gui.core import recorder
    from tests import conftest

    journal = Journal(tmp_path / "j.sqlite3", ManualClock())
    journal.append(None, "test.entry", {"n": 1})  # from a test: its own business
    assert conftest._UNDOCUMENTED == []
    app_code = compile(
        "journal.append(None, 'made.up', {})", recorder.__file__, "exec"
    )  # as if written in core/recorder.py
    exec(app_code, {"journal": journal})  # noqa: S102 - a line attributed to app code
    assert conftest._UNDOCUMENTED and conftest._UNDOCUMENTED[0].startswith("made.up")
    conftest._UNDOCUMENTED.clear()  # this test's own doing
    journal.close()


@pytest.mark.parametrize("name", sorted(KINDS))
def test_examples_are_plain_journal_data(name: str) -> None:
    from breakglass_gui.core.canonical import canonical_json

    text = canonical_json(KINDS[name].example)  # refuses anything the journal would refuse
    assert text.startswith("{") and len(text) > 2
