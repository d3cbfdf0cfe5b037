"""`main.py verify FILE`: a journal database or a review JSON, checked read-only: the chain,
the head (or the review's final hash), and that every incident's transitions are possible
(core/integrity.py).

Both entry formats are read (core/journal.py): a journal from before versioning has no `v` and
`journal` columns, and its entries verify as format 1.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from breakglass_gui.core.anchor import AnchorReport, AnchorStore, verify_anchor
from breakglass_gui.core.chain import (
    GENESIS,
    Entry,
    Verification,
    entry_of,
    row_dicts,
    verify_entries,
    verify_table,
)
from breakglass_gui.core.integrity import with_transitions

SQLITE_MAGIC = b"SQLite format 3\x00"


class UnreadableFileError(ValueError):
    """The file is neither a journal nor a review (shown as one line, exit status 2)."""


def verify_file(path: Path) -> Verification:
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise UnreadableFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if head == SQLITE_MAGIC:
        return _verify_database(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise UnreadableFileError(
            f"{path}: is neither a journal database nor a review JSON"
        ) from None
    return _verify_review(path, data)


def _read_database(path: Path) -> tuple[list[Any], Any, str | None]:
    """A journal file's rows, its head row and its id, read-only (journals from before the
    versioned format have neither `v` nor an id)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        try:
            # One read transaction: the rows and the head are one snapshot even while the app
            # is writing the journal (read separately, a write between them looked like entries
            # removed from the end).
            conn.execute("BEGIN")
            columns = {row[1] for row in conn.execute("PRAGMA table_info(entries)")}
            versioned = {"v", "journal"} <= columns
            query = (
                "SELECT seq, ts, incident, kind, payload, hash, v, journal "
                "FROM entries ORDER BY seq"
                if versioned
                else "SELECT seq, ts, incident, kind, payload, hash FROM entries ORDER BY seq"
            )
            rows = conn.execute(query).fetchall()
            head = conn.execute("SELECT seq, hash FROM head WHERE id = 1").fetchone()
            journal_id = _journal_id(conn) if versioned else None
            conn.execute("COMMIT")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise UnreadableFileError(f"{path}: is not a Break Glass journal ({exc})") from None
    return rows, head, journal_id


def _verify_database(path: Path) -> Verification:
    rows, head, journal_id = _read_database(path)
    result = verify_table(rows, head, journal_id)
    return with_transitions(result, [entry_of(raw) for raw in row_dicts(rows)])


def verify_anchor_of(path: Path, store: AnchorStore) -> AnchorReport:
    """The journal file against every checkpoint at the anchor (core/anchor.py)."""
    rows, _, journal_id = _read_database(path)
    entries = [entry_of(raw) for raw in row_dicts(rows)]
    return verify_anchor(entries, store.versions(), journal_id or "")


def journal_entries(path: Path) -> list[Entry]:
    """A journal file's entries, read-only."""
    return [entry_of(raw) for raw in row_dicts(_read_database(path)[0])]


def _journal_id(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'journal_id'").fetchone()
    return str(row[0]) if row else None


def _verify_review(path: Path, data: Any) -> Verification:
    journal = data.get("journal") if isinstance(data, dict) else None
    if not isinstance(journal, dict) or not isinstance(journal.get("entries"), list):
        raise UnreadableFileError(f"{path}: is not a Break Glass review (no journal section)")
    entries = journal["entries"]
    anchor = str(journal.get("anchor", GENESIS))
    first = entries[0].get("seq", 1) if entries and isinstance(entries[0], dict) else 1
    if not all(isinstance(e, dict) for e in entries):
        return Verification(False, 0, anchor, 0, "the review's journal section is malformed")
    journal_id = journal.get("journal_id")
    result = verify_entries(
        entries,
        anchor=anchor,
        first_seq=int(first),
        journal_id=str(journal_id) if journal_id is not None else None,
    )
    if not result.ok:
        return result
    if result.head_hash != journal.get("final_hash"):
        return Verification(
            False,
            result.count,
            result.head_hash,
            int(first) + result.count,
            "the review's final hash does not match its entries (entries removed from the end "
            "or the hash was altered)",
        )
    return with_transitions(result, [entry_of(raw) for raw in entries])
