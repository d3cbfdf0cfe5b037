"""The journal's entry format is versioned: old entries still verify, new ones carry the
format and the journal's id, and what cannot be right is reported."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from breakglass_gui.core.chain import FORMAT, GENESIS, chain_hash, verify_entries
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.verify import verify_file
from tests.fakes.clock import ManualClock


def _old_journal(path: Path, count: int) -> None:
    """A journal as the version before format 2 wrote it: no v, no journal, no meta table."""
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE entries (seq INTEGER PRIMARY KEY, ts TEXT NOT NULL, incident TEXT, "
        "kind TEXT NOT NULL, payload TEXT NOT NULL, hash TEXT NOT NULL);"
        "CREATE TABLE head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, "
        "hash TEXT NOT NULL);"
    )
    prev = GENESIS
    for seq in range(1, count + 1):
        body = {
            "seq": seq,
            "ts": "2026-01-01T00:00:00Z",
            "incident": "BG-20260101-ABCD",
            "kind": "old.entry",
            "payload": {"n": seq},
        }
        prev = chain_hash(prev, body)
        conn.execute(
            "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?)",
            (seq, body["ts"], body["incident"], body["kind"], f'{{"n":{seq}}}', prev),
        )
    conn.execute("INSERT INTO head VALUES (1, ?, ?)", (count, prev))
    conn.commit()
    conn.close()


def test_new_entries_carry_the_format_and_the_journal_id(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.db", ManualClock(0))
    entry = journal.append(None, "test.entry", {"a": 1})
    assert (entry.v, entry.journal) == (FORMAT, journal.id) and len(journal.id) == 32
    assert entry.as_dict()["v"] == FORMAT and entry.as_dict()["journal"] == journal.id
    assert journal.entries()[0] == entry
    reopened = Journal(tmp_path / "j.db", ManualClock(0))
    assert reopened.id == journal.id  # the id is the journal's, not the process's
    assert Journal(tmp_path / "other.db", ManualClock(0)).id != journal.id


def test_an_old_journal_verifies_and_grows_in_the_new_format(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_journal(path, 3)
    assert verify_file(path).ok  # read-only, as found: the old columns only
    journal = Journal(path, ManualClock(0))
    assert [e.v for e in journal.entries()] == [1, 1, 1]
    journal.append(None, "new.entry", {})
    assert [e.v for e in journal.entries()] == [1, 1, 1, FORMAT]
    assert journal.verify().ok and verify_file(path).ok


def test_an_entry_from_another_journal_is_found(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.db", ManualClock(0))
    for n in range(3):
        journal.append(None, "test.entry", {"n": n})
    rows = [e.as_dict() for e in journal.entries()]
    assert verify_entries(rows, journal_id=journal.id).ok
    # Re-chained by someone who kept every hash consistent, but with a foreign journal id:
    prev = GENESIS
    for row in rows:
        row["journal"] = "f" * 32
        prev = row["hash"] = chain_hash(prev, {k: row[k] for k in row if k != "hash"})
    assert verify_entries(rows).ok  # the hashes alone are consistent …
    result = verify_entries(rows, journal_id=journal.id)  # … the journal id is not
    assert (result.ok, result.first_bad_seq) == (False, 1)
    assert "another journal" in result.reason


def test_a_newer_format_is_reported_not_guessed_at(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.db", ManualClock(0))
    journal.append(None, "test.entry", {})
    row = journal.entries()[0].as_dict()
    row["v"] = FORMAT + 1
    row["hash"] = chain_hash(GENESIS, {k: row[k] for k in row if k != "hash"})
    result = verify_entries([row])
    assert not result.ok and f"journal format {FORMAT + 1}" in result.reason


def test_an_old_format_entry_after_new_ones_is_reported(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.db", ManualClock(0))
    journal.append(None, "a", {})
    journal.append(None, "b", {})
    rows = [e.as_dict() for e in journal.entries()]
    second = {k: rows[1][k] for k in ("seq", "ts", "incident", "kind", "payload")}
    rows[1] = {**second, "hash": chain_hash(rows[0]["hash"], second)}  # hashes consistent
    result = verify_entries(rows)
    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert "old format after entries in the new one" in result.reason
