"""The journal: durable, private, hash-chained; any edit, deletion, reordering or truncation
is found, with the first bad entry (docs/rules.md §6)."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from breakglass_gui.core.errors import JournalError
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.secret import Secret
from breakglass_gui.core.verify import verify_file
from tests.fakes.clock import ManualClock

payloads = st.dictionaries(
    st.text(min_size=1, max_size=8),
    st.one_of(st.integers(), st.text(max_size=30), st.booleans(), st.none()),
    max_size=4,
)


def _journal(path: Path, payload_list: list[dict[str, object]]) -> Journal:
    journal = Journal(path, ManualClock())
    for i, payload in enumerate(payload_list):
        journal.append(f"BG-20270101-{i % 3:04d}", "test.entry", payload)
    return journal


def test_the_journal_file_is_private_wal_and_fully_synchronous(tmp_path: Path) -> None:
    journal = _journal(tmp_path / "j" / "journal.sqlite3", [{"a": 1}])
    assert stat.S_IMODE((tmp_path / "j" / "journal.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "j").stat().st_mode) == 0o700
    conn = journal._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert journal.verify().ok


def test_a_secret_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    journal = _journal(tmp_path / "journal.sqlite3", [])
    with pytest.raises(TypeError, match="secrets never"):
        journal.append("BG-1", "x", {"token": Secret("hvs.abc")})
    assert journal.entries() == []


def _tamper(path: Path, how: str, index: int, other: int) -> int:
    """Apply one tampering to the file; return the sequence number that must be reported."""
    conn = sqlite3.connect(path)
    seqs = [r[0] for r in conn.execute("SELECT seq FROM entries ORDER BY seq")]
    seq, seq2 = seqs[index], seqs[other]
    if how == "edit":
        conn.execute("UPDATE entries SET payload = ? WHERE seq = ?", ('{"edited":true}', seq))
        expected = seq
    elif how == "edit-kind":
        conn.execute("UPDATE entries SET kind = 'forged' WHERE seq = ?", (seq,))
        expected = seq
    elif how == "delete":
        conn.execute("DELETE FROM entries WHERE seq = ?", (seq,))
        expected = seq  # deleting the last entry is caught through the head
    elif how == "reorder":
        low, high = sorted((seq, seq2))
        rows = {
            s: conn.execute(
                "SELECT ts, incident, kind, payload, hash FROM entries WHERE seq=?", (s,)
            ).fetchone()
            for s in (low, high)
        }
        for target, source in ((low, high), (high, low)):
            conn.execute(
                "UPDATE entries SET ts=?, incident=?, kind=?, payload=?, hash=? WHERE seq=?",
                (*rows[source], target),
            )
        expected = low
    else:  # truncate the tail from `index`
        conn.execute("DELETE FROM entries WHERE seq >= ?", (seq,))
        expected = seq
    conn.commit()
    conn.close()
    return expected


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    entries=st.lists(payloads, min_size=2, max_size=12),
    how=st.sampled_from(["edit", "edit-kind", "delete", "reorder", "truncate"]),
    data=st.data(),
)
def test_any_tampering_is_detected_with_the_first_bad_entry(
    tmp_path_factory: pytest.TempPathFactory,
    entries: list[dict[str, object]],
    how: str,
    data: st.DataObject,
) -> None:
    path = tmp_path_factory.mktemp("journal") / "journal.sqlite3"
    journal = _journal(path, entries)
    journal.close()
    index = data.draw(st.integers(0, len(entries) - 1))
    other = data.draw(st.integers(0, len(entries) - 1).filter(lambda i: i != index))
    if how == "reorder" and entries[index] == entries[other] and index % 3 == other % 3:
        return  # two identical rows: swapping them changes nothing
    expected = _tamper(path, how, index, other)
    result = verify_file(path)
    assert not result.ok
    assert result.first_bad_seq == expected
    assert Journal(path, ManualClock()).verify().first_bad_seq == expected


def test_unfinished_incidents_are_those_not_closed_or_aborted(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3", ManualClock())
    for incident, states in {
        "BG-A": ["DECLARED", "APPROVED"],
        "BG-B": ["DECLARED", "ABORTED"],
        "BG-C": ["DECLARED", "ACTIVE", "ENDING"],
    }.items():
        for state in states:
            journal.append(incident, "incident.transition", {"to": state})
    assert journal.unfinished_incidents() == ["BG-A", "BG-C"]


def test_a_write_that_fails_raises_and_leaves_the_chain_intact(tmp_path: Path) -> None:
    journal = _journal(tmp_path / "journal.sqlite3", [{"a": 1}])
    journal._conn.execute(
        "CREATE TRIGGER full BEFORE INSERT ON entries "
        "BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END"
    )
    with pytest.raises(JournalError, match="could not be written"):
        journal.append("BG-1", "x", {})
    assert journal.verify().ok
    assert len(journal.entries()) == 1


def test_revocation_entries_are_held_in_memory_until_the_journal_is_writable(
    tmp_path: Path,
) -> None:
    journal = _journal(tmp_path / "journal.sqlite3", [{"a": 1}])
    journal._conn.execute(
        "CREATE TRIGGER full BEFORE INSERT ON entries "
        "BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END"
    )
    assert journal.append_or_hold("BG-1", "revoked", {"account": "1"}) is None
    assert journal.append_or_hold("BG-1", "revoked", {"account": "2"}) is None
    assert journal.held == 2
    journal._conn.execute("DROP TRIGGER full")
    journal.append("BG-1", "after", {})
    kinds = [(e.kind, e.payload.get("account")) for e in journal.entries()][1:]
    assert kinds == [("revoked", "1"), ("revoked", "2"), ("after", None)]
    assert journal.entries()[1].payload["held_in_memory"] is True
    assert journal.verify().ok


def test_the_approver_state_survives_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    Journal(path, ManualClock()).set_approver_state("ciso", 123, 2, 99.0, why="test")
    assert Journal(path, ManualClock()).approver_state("ciso") == (123, 2, 99.0)


def test_editing_the_approver_state_is_detected(tmp_path: Path) -> None:
    """Issue 18 (d): the used steps and lockouts were a mutable table beside the chain; an
    attacker reset `last_step` and a used code was accepted again while `verify` said intact.
    Now the state is a chained entry: the same edit breaks the chain at that entry."""
    path = tmp_path / "journal.sqlite3"
    journal = Journal(path, ManualClock())
    journal.set_approver_state("ciso", 123, 0, 0.0, incident="BG-1", why="signed")
    journal.append("BG-1", "after", {})
    conn = sqlite3.connect(path)
    conn.execute(
        "UPDATE entries SET payload = replace(payload, '123', '-1') WHERE kind = 'approver.state'"
    )
    conn.commit()
    conn.close()
    reopened = Journal(path, ManualClock())
    assert reopened.approver_state("ciso")[0] == -1  # the edit took …
    result = reopened.verify()
    assert (result.ok, result.first_bad_seq) == (False, 1)  # … and is found


def test_an_entry_committed_as_part_of_a_group_is_synced_and_a_closed_journal_says_so(
    tmp_path: Path,
) -> None:
    """Group commit (core/recorder.py `grouped`): an entry written without waiting for the disk
    is in the chain at once and made durable by `sync` (or the next durable entry); reading a
    closed journal is a JournalError the procedure can show, not a raw sqlite error."""
    journal = Journal(tmp_path / "j.sqlite3", ManualClock())
    journal.append("BG-1", "a.b", {"n": 1})
    journal.append("BG-1", "a.c", {"n": 2}, durable=False)
    assert journal._unsynced and journal.head()[0] == 2 and journal.verify().ok
    journal.sync()
    assert not journal._unsynced
    journal.append("BG-1", "a.d", {"n": 3}, durable=False)
    journal.append("BG-1", "a.e", {"n": 4})  # a durable commit syncs the whole log
    assert not journal._unsynced
    journal.close()
    with pytest.raises(JournalError, match="could not be read"):
        journal.head()
