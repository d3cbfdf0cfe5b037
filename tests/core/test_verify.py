"""Journal and review verification refuse every kind of damage, each with the first bad entry
(docs/rules.md §5.2, §6): driven directly on the verdict functions, so that no later check can
stand in for an earlier one that stopped working."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from breakglass_gui.core.chain import GENESIS, chain_hash, verify_entries, verify_table
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.verify import UnreadableFileError, verify_file


def chain(count: int, *, anchor: str = GENESIS, first_seq: int = 1) -> list[dict[str, Any]]:
    entries, prev = [], anchor
    for seq in range(first_seq, first_seq + count):
        body = {
            "seq": seq,
            "ts": f"2030-01-01T00:00:{seq:02d}Z",
            "incident": "BG-20300101-ABCD",
            "kind": "test.entry",
            "payload": {"n": seq},
        }
        prev = chain_hash(prev, body)
        entries.append({**body, "hash": prev})
    return entries


def test_an_intact_chain_verifies_with_its_count_and_head() -> None:
    entries = chain(4)
    result = verify_entries(entries)
    assert (result.ok, result.count, result.head_hash) == (True, 4, entries[-1]["hash"])
    assert result.first_bad_seq is None and result.reason == ""
    assert verify_entries([]) == verify_entries([], anchor=GENESIS)
    assert verify_entries([]).ok and verify_entries([]).head_hash == GENESIS


@pytest.mark.parametrize("field", ["ts", "incident", "kind", "payload"])
def test_an_edited_entry_is_reported_at_its_own_seq(field: str) -> None:
    entries = chain(5)
    entries[2][field] = {"edited": True} if field == "payload" else "edited"
    result = verify_entries(entries)
    assert (result.ok, result.first_bad_seq, result.count) == (False, 3, 2)
    assert result.head_hash == entries[1]["hash"]  # the last good link
    assert "does not match its hash" in result.reason


def test_an_edit_with_its_hash_recomputed_breaks_the_next_link() -> None:
    entries = chain(5)
    entries[2]["payload"] = {"edited": True}
    body = {k: entries[2][k] for k in ("seq", "ts", "incident", "kind", "payload")}
    entries[2]["hash"] = chain_hash(entries[1]["hash"], body)
    result = verify_entries(entries)
    assert (result.ok, result.first_bad_seq) == (False, 4)


def test_a_deleted_entry_is_reported_where_it_is_missing() -> None:
    entries = chain(5)
    del entries[1]
    result = verify_entries(entries)
    assert (result.ok, result.first_bad_seq, result.count) == (False, 2, 1)
    assert "missing or out of place" in result.reason and "found entry 3" in result.reason


def test_swapped_entries_are_reported_at_the_first_place_out_of_order() -> None:
    entries = chain(5)
    entries[1], entries[2] = entries[2], entries[1]
    result = verify_entries(entries)
    assert (result.ok, result.first_bad_seq) == (False, 2)


def test_renumbered_entries_do_not_verify() -> None:
    """Reordering and renumbering to hide it: the seq is part of what the hash covers."""
    entries = chain(3)
    entries[0], entries[1] = entries[1], entries[0]
    entries[0]["seq"], entries[1]["seq"] = 1, 2
    result = verify_entries(entries)
    assert (result.ok, result.first_bad_seq) == (False, 1)


def test_an_entry_that_is_not_journal_data_is_reported_not_raised() -> None:
    entries = chain(3)
    entries[1]["payload"] = {"not json": {1, 2}}
    result = verify_entries(entries)
    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert "not valid journal data" in result.reason
    broken = chain(2)
    broken[0]["hash"] = None
    assert verify_entries(broken).first_bad_seq == 1


def test_a_run_is_checked_from_its_anchor_and_first_seq() -> None:
    whole = chain(6)
    tail = whole[3:]
    assert verify_entries(tail, anchor=whole[2]["hash"], first_seq=4).ok
    assert not verify_entries(tail, anchor=whole[1]["hash"], first_seq=4).ok  # wrong anchor
    wrong_seq = verify_entries(tail, anchor=whole[2]["hash"], first_seq=3)
    assert (wrong_seq.ok, wrong_seq.first_bad_seq) == (False, 3)


def _rows(entries: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (e["seq"], e["ts"], e["incident"], e["kind"], json.dumps(e["payload"]), e["hash"])
        for e in entries
    ]


def test_the_table_verifies_only_with_a_head_at_its_last_entry() -> None:
    entries = chain(4)
    assert verify_table(_rows(entries), (4, entries[-1]["hash"])).ok
    assert verify_table([], None).ok


@pytest.mark.parametrize(
    "head",
    [
        pytest.param("five", id="head ahead: the tail was deleted"),
        pytest.param("hash", id="head hash altered"),
        pytest.param("none", id="no head at all"),
        pytest.param("three", id="head behind: an entry appended without it"),
    ],
)
def test_a_table_whose_head_disagrees_is_truncated_or_forged(head: str) -> None:
    entries = chain(5)
    rows = _rows(entries[:4])
    heads = {
        "five": (5, entries[4]["hash"]),
        "hash": (4, "f" * 64),
        "none": None,
        "three": (3, entries[2]["hash"]),
    }
    result = verify_table(rows, heads[head])
    assert (result.ok, result.first_bad_seq, result.count) == (False, 5, 4)
    assert "entries were removed from the end" in result.reason


def test_a_table_row_with_a_payload_that_is_not_json_is_reported() -> None:
    rows = _rows(chain(3))
    rows[1] = (*rows[1][:4], "{not json", rows[1][5])
    result = verify_table(rows, (3, "x"))
    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert "does not match its hash" in result.reason  # the entry, not the head, is reported


def _review(tmp_path: Path, entries: list[Any], **journal: Any) -> Path:
    path = tmp_path / "review.json"
    section = {"anchor": GENESIS, "entries": entries, **journal}
    path.write_text(json.dumps({"incident": "BG-1", "journal": section}), encoding="utf-8")
    return path


def test_a_review_verifies_only_with_its_final_hash(tmp_path: Path) -> None:
    entries = chain(3)
    assert verify_file(_review(tmp_path, entries, final_hash=entries[-1]["hash"])).ok
    cut = verify_file(_review(tmp_path, entries[:2], final_hash=entries[-1]["hash"]))
    assert (cut.ok, cut.first_bad_seq) == (False, 3)
    assert "final hash does not match" in cut.reason
    missing = verify_file(_review(tmp_path, entries))
    assert missing.ok is False


def test_a_review_with_an_edited_entry_reports_it(tmp_path: Path) -> None:
    entries = chain(3)
    final = entries[-1]["hash"]
    entries[0]["kind"] = "forged"
    result = verify_file(_review(tmp_path, entries, final_hash=final))
    assert (result.ok, result.first_bad_seq) == (False, 1)
    assert "does not match its hash" in result.reason  # the entry, not the final hash


def test_a_review_with_no_entries_verifies_only_against_its_anchor(tmp_path: Path) -> None:
    assert verify_file(_review(tmp_path, [], final_hash=GENESIS)).ok
    result = verify_file(_review(tmp_path, [], final_hash="a" * 64))
    assert (result.ok, result.first_bad_seq, result.count) == (False, 1, 0)


def test_a_review_whose_first_entry_has_no_seq_is_reported_at_entry_1(tmp_path: Path) -> None:
    entries = chain(2)
    del entries[0]["seq"]
    result = verify_file(_review(tmp_path, entries, final_hash=entries[-1]["hash"]))
    assert (result.ok, result.first_bad_seq) == (False, 1)
    assert "entry 1 is missing" in result.reason


def test_a_review_whose_entries_start_later_checks_from_its_anchor(tmp_path: Path) -> None:
    whole = chain(5)
    path = _review(tmp_path, whole[2:], final_hash=whole[-1]["hash"])
    data = json.loads(path.read_text())
    data["journal"]["anchor"] = whole[1]["hash"]
    path.write_text(json.dumps(data))
    assert verify_file(path).ok
    data["journal"]["anchor"] = GENESIS
    path.write_text(json.dumps(data))
    assert not verify_file(path).ok


@pytest.mark.parametrize(
    "entries",
    [
        pytest.param(["not an entry"], id="a string"),
        pytest.param([{"seq": 1}, 7], id="a number among entries"),
        pytest.param([7, {"seq": 1}], id="a number first"),
    ],
)
def test_a_malformed_review_is_not_verified(tmp_path: Path, entries: list[Any]) -> None:
    result = verify_file(_review(tmp_path, entries, final_hash=GENESIS))
    assert (result.ok, result.count, result.first_bad_seq) == (False, 0, 0)
    assert result.head_hash == GENESIS
    assert result.reason == "the review's journal section is malformed"


@pytest.mark.parametrize(
    "content",
    [
        pytest.param({"journal": {"entries": "all of them"}}, id="entries not a list"),
        pytest.param({"journal": "intact"}, id="journal not a section"),
        pytest.param({"review": {}}, id="no journal section"),
        pytest.param(["a", "list"], id="not an object"),
    ],
)
def test_a_json_that_is_not_a_review_is_refused(tmp_path: Path, content: Any) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps(content))
    with pytest.raises(UnreadableFileError, match="not a Break Glass review"):
        verify_file(path)


def test_a_file_that_is_neither_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(UnreadableFileError, match="neither a journal database nor a review"):
        verify_file(text)
    binary = tmp_path / "blob"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(UnreadableFileError, match="neither"):
        verify_file(binary)
    with pytest.raises(UnreadableFileError) as raised:
        verify_file(tmp_path / "missing.sqlite3")
    assert str(raised.value).endswith("missing.sqlite3: cannot be read (No such file or directory)")


def test_a_database_that_is_not_a_journal_is_refused_not_verified(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(UnreadableFileError, match="not a Break Glass journal"):
        verify_file(other)
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00garbage" * 100)
    with pytest.raises(UnreadableFileError, match="not a Break Glass journal"):
        verify_file(damaged)


def test_a_journal_database_is_verified_with_its_head(tmp_path: Path) -> None:
    from breakglass_gui.core.journal import Journal
    from tests.fakes.clock import ManualClock

    path = tmp_path / "journal.sqlite3"
    journal = Journal(path, ManualClock())
    for n in range(3):
        journal.append("BG-20300101-ABCD", "test.entry", {"n": n})
    journal.close()
    assert verify_file(path).ok and verify_file(path).count == 3
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM entries WHERE seq = 3")
    conn.commit()
    conn.close()
    result = verify_file(path)
    assert (result.ok, result.first_bad_seq) == (False, 3)


def test_the_journal_head_is_its_last_entry_and_genesis_when_empty(tmp_path: Path) -> None:
    from breakglass_gui.core.journal import Journal
    from tests.fakes.clock import ManualClock

    journal = Journal(tmp_path / "journal.sqlite3", ManualClock())
    assert journal.head() == (0, GENESIS)
    last = journal.append("BG-20300101-ABCD", "test.entry", {"n": 1})
    last = journal.append("BG-20300101-ABCD", "test.entry", {"n": 2})
    assert journal.head() == (2, last.hash)
    journal.close()


def test_a_journal_that_cannot_be_read_is_not_verified(tmp_path: Path) -> None:
    from breakglass_gui.core.journal import Journal
    from tests.fakes.clock import ManualClock

    path = tmp_path / "journal.sqlite3"
    journal = Journal(path, ManualClock())
    journal.append("BG-20300101-ABCD", "test.entry", {"n": 1})
    other = sqlite3.connect(path)
    other.execute("DROP TABLE entries")
    other.commit()
    other.close()
    result = journal.verify()
    assert (result.ok, result.count, result.first_bad_seq) == (False, 0, 0)
    assert result.head_hash == GENESIS
    assert result.reason.startswith("the journal cannot be read: ")
    journal.close()


def test_a_journal_verified_while_the_app_writes_it_is_read_as_one_snapshot(
    tmp_path: Path,
) -> None:
    """`verify` on the live journal (the app still running, a checkpoint being journaled):
    the entries and the head are read in one read transaction, so a write landing between
    the two reads is never mistaken for entries removed from the end (found by the random
    fault schedules, tests/core/test_fault_schedules.py)."""
    import threading

    from breakglass_gui.core.clock import SystemClock

    path = tmp_path / "journal.sqlite3"
    journal = Journal(path, SystemClock())
    journal.append("BG-1", "incident.note", {"n": 0})
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            journal.append("BG-1", "incident.note", {"n": n})

    writer = threading.Thread(target=write)
    writer.start()
    try:
        verdicts = [verify_file(path) for _ in range(300)]
    finally:
        stop.set()
        writer.join()
        journal.close()
    assert [v.describe() for v in verdicts if not v.ok] == []
