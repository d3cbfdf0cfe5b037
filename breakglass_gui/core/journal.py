"""The append-only, hash-chained journal (docs/architecture.md, "The journal comes first").

SQLite in WAL mode with `synchronous=FULL`, file mode 0600. Each entry's
`hash = SHA-256(prev_hash || canonical_json(entry))`; a one-row `head` table holds the last
sequence number and hash, written in the same transaction, so truncating the tail is detected
as well as editing, deleting or reordering entries. The notices carry the head hash off the
workstation, which covers an attacker who rewrites the head too.

Entry format (`v`): 1 — `{seq, ts, incident, kind, payload}`, what journals written before
versioning hold; 2 — the same plus `v` and `journal`, the journal's random id (kept in the `meta`
table), so an entry copied in from another journal is found. Both are read and verified; an
entry in a format newer than `FORMAT` is reported, never guessed at.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from breakglass_gui.core.canonical import canonical_json
from breakglass_gui.core.clock import Clock, utc_iso
from breakglass_gui.core.errors import JournalError

log = logging.getLogger(__name__)

GENESIS = "0" * 64
FORMAT = 2  # the entry format this version writes
TRANSITION = "incident.transition"
APPROVER_STATE = "approver.state"
TERMINAL_STATES = ("CLOSED", "ABORTED")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    incident TEXT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    hash TEXT NOT NULL,
    v INTEGER,
    journal TEXT
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_incident ON entries (incident, seq);
CREATE TABLE IF NOT EXISTS head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
"""


# Every query names the columns in this order (`_rows` and `verify_table` read them so).
_SELECT = "SELECT seq, ts, incident, kind, payload, hash, v, journal FROM entries"


@dataclass(frozen=True)
class Entry:
    seq: int
    ts: str
    incident: str | None
    kind: str
    payload: dict[str, Any]
    hash: str
    v: int = 1
    journal: str = ""

    def body(self) -> dict[str, Any]:
        """What the hash covers: everything but the hash itself."""
        return entry_body(self.as_dict())

    def as_dict(self) -> dict[str, Any]:
        data = {
            "seq": self.seq,
            "ts": self.ts,
            "incident": self.incident,
            "kind": self.kind,
            "payload": self.payload,
            "hash": self.hash,
        }
        if self.v >= 2:
            data |= {"v": self.v, "journal": self.journal}
        return data


def entry_body(raw: dict[str, Any]) -> dict[str, Any]:
    """What an entry's hash covers, by its format: format 1 has no `v` and no `journal`."""
    keys = ["seq", "ts", "incident", "kind", "payload"]
    if raw.get("v") is not None:
        keys += ["v", "journal"]
    return {k: raw.get(k) for k in keys}


@dataclass(frozen=True)
class Verification:
    ok: bool
    count: int
    head_hash: str
    first_bad_seq: int | None = None
    reason: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"journal intact: {self.count} entries, chain hash {self.head_hash}"
        return f"journal broken at entry {self.first_bad_seq}: {self.reason}"


def chain_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256(
        bytes.fromhex(prev_hash) + canonical_json(body).encode("utf-8")
    ).hexdigest()


def _format_problem(raw: dict[str, Any], journal_id: str | None, seen_v2: bool) -> str:
    """Why an entry's format or journal id cannot be right ("" when they are)."""
    version = raw.get("v")
    if version is None:
        return "an entry in the old format after entries in the new one" if seen_v2 else ""
    if not isinstance(version, int) or isinstance(version, bool) or version < 2:
        return f"its format version {version!r} is not one this app wrote"
    if version > FORMAT:
        return (
            f"it is in journal format {version}, newer than this version of Break Glass reads "
            f"({FORMAT}): verify it with the version that wrote it"
        )
    if journal_id is not None and raw.get("journal") != journal_id:
        return "it belongs to another journal (its journal id differs)"
    return ""


def verify_entries(
    entries: Sequence[dict[str, Any]],
    *,
    anchor: str = GENESIS,
    first_seq: int = 1,
    journal_id: str | None = None,
) -> Verification:
    """Check a run of entries (dicts with seq, ts, incident, kind, payload, hash and, from
    format 2, v and journal) from `anchor`. With `journal_id`, every format-2 entry must carry
    it (in a review: the journal the review was exported from)."""
    prev = anchor
    expected = first_seq
    seen_v2 = False
    for index, raw in enumerate(entries):
        seq = raw.get("seq")
        if seq != expected:
            return Verification(
                False,
                index,
                prev,
                expected,
                f"entry {expected} is missing or out of place (found entry {seq} there: "
                "deleted or reordered)",
            )
        problem = _format_problem(raw, journal_id, seen_v2)
        if problem:
            return Verification(False, index, prev, seq, problem)
        seen_v2 = seen_v2 or raw.get("v") is not None
        body = entry_body(raw)
        try:
            computed = chain_hash(prev, body)
        except (TypeError, ValueError):
            return Verification(False, index, prev, seq, "the entry is not valid journal data")
        if computed != raw.get("hash"):
            return Verification(
                False,
                index,
                prev,
                seq,
                "its content does not match its hash (edited or reordered)",
            )
        prev = computed
        expected += 1
    return Verification(True, len(entries), prev)


def row_dicts(rows: Sequence[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Rows as read from the `entries` table (`_SELECT`; rows of six columns are format 1), as
    the dicts `verify_entries` reads."""
    entries: list[dict[str, Any]] = []
    for row in rows:
        seq, ts, incident, kind, payload, digest = row[:6]
        version, journal = row[6:8] if len(row) >= 8 else (None, None)
        try:
            data: Any = json.loads(payload)
        except ValueError:
            data = payload
        entry = {
            "seq": seq,
            "ts": ts,
            "incident": incident,
            "kind": kind,
            "payload": data,
            "hash": digest,
        }
        if version is not None:
            entry |= {"v": version, "journal": journal}
        entries.append(entry)
    return entries


def entry_of(raw: dict[str, Any]) -> Entry:
    """An entry from its dict (as exported in a review or read by `row_dicts`)."""
    payload = raw.get("payload")
    return Entry(
        int(raw.get("seq") or 0),
        str(raw.get("ts", "")),
        raw.get("incident"),
        str(raw.get("kind", "")),
        payload if isinstance(payload, dict) else {},
        str(raw.get("hash", "")),
        int(raw.get("v") or 1),
        str(raw.get("journal") or ""),
    )


def verify_table(
    rows: Sequence[tuple[Any, ...]],
    head: tuple[int, str] | None,
    journal_id: str | None = None,
) -> Verification:
    """Verify rows as read from the `entries` table, and the `head` row against them."""
    entries = row_dicts(rows)
    result = verify_entries(entries, journal_id=journal_id)
    if not result.ok:
        return result
    head_seq, head_hash = head if head else (0, GENESIS)
    if (head_seq, head_hash) != (result.count, result.head_hash):
        return Verification(
            False,
            result.count,
            result.head_hash,
            result.count + 1,
            f"the journal ends at entry {result.count} but its head records entry {head_seq} "
            "(entries were removed from the end)",
        )
    return result


class Journal:
    """One SQLite journal shared by all incidents on this workstation; thread-safe."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.RLock()
        self._pending: list[tuple[str | None, str, dict[str, Any], str]] = []
        self._conn = self._open(path)
        self.id = self._journal_id()

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        old_umask = os.umask(0o077)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
            os.chmod(path, 0o600)
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.executescript(_SCHEMA)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(entries)")}
            for column, kind in (("v", "INTEGER"), ("journal", "TEXT")):
                if column not in columns:  # a journal from before versioning: format 1 rows
                    conn.execute(f"ALTER TABLE entries ADD COLUMN {column} {kind}")
        except (OSError, sqlite3.Error) as exc:
            raise JournalError(f"The journal at {path} cannot be opened: {exc}") from None
        finally:
            os.umask(old_umask)
        return conn

    def _journal_id(self) -> str:
        """This journal's random id, made once when it is first opened by this version."""
        with self._lock:
            try:
                self._conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('journal_id', ?)",
                    (uuid.uuid4().hex,),
                )
                row = self._conn.execute(
                    "SELECT value FROM meta WHERE key = 'journal_id'"
                ).fetchone()
            except sqlite3.Error as exc:
                raise JournalError(f"The journal at {self.path} cannot be opened: {exc}") from None
        return str(row[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def append(self, incident: str | None, kind: str, payload: dict[str, Any]) -> Entry:
        """Write one entry durably or raise JournalError (the caller stops: fail closed)."""
        canonical_json(payload)  # refuse non-JSON data (a Secret, say) before touching the file
        with self._lock:
            self._flush_pending()
            return self._write(incident, kind, payload, utc_iso(self._clock.now()))

    def append_or_hold(self, incident: str | None, kind: str, payload: dict[str, Any]) -> bool:
        """For revocation only (docs/rules.md §1): if the disk refuses, keep the entry in memory.

        Held entries are written, in order and before anything newer, by the next append that
        succeeds. Returns whether the entry is on disk now.
        """
        canonical_json(payload)
        ts = utc_iso(self._clock.now())
        with self._lock:
            try:
                self._flush_pending()
                self._write(incident, kind, payload, ts)
            except JournalError as exc:
                self._pending.append((incident, kind, {**payload, "held_in_memory": True}, ts))
                log.warning(
                    "journal unavailable, holding %d entries in memory: %s",
                    len(self._pending),
                    exc.message,
                )
                return False
            return True

    @property
    def held(self) -> int:
        return len(self._pending)

    def flush(self) -> None:
        with self._lock:
            self._flush_pending()

    def _flush_pending(self) -> None:
        while self._pending:
            incident, kind, payload, ts = self._pending[0]
            self._write(incident, kind, payload, ts)
            self._pending.pop(0)

    def _write(self, incident: str | None, kind: str, payload: dict[str, Any], ts: str) -> Entry:
        try:
            with self._transaction() as conn:
                row = conn.execute("SELECT seq, hash FROM head WHERE id = 1").fetchone()
                seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
                entry = Entry(seq, ts, incident, kind, payload, "", FORMAT, self.id)
                digest = chain_hash(prev, entry.body())
                conn.execute(
                    "INSERT INTO entries (seq, ts, incident, kind, payload, hash, v, journal) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (seq, ts, incident, kind, canonical_json(payload), digest, FORMAT, self.id),
                )
                conn.execute(
                    "INSERT INTO head (id, seq, hash) VALUES (1, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                    (seq, digest),
                )
        except sqlite3.Error as exc:
            raise JournalError(
                f"The journal could not be written ({exc}); the procedure stopped before the "
                "next step. Free disk space or fix the journal location, then retry."
            ) from None
        return Entry(seq, ts, incident, kind, payload, digest, FORMAT, self.id)

    def _rows(self, query: str, args: Sequence[Any] = ()) -> list[Entry]:
        with self._lock:
            try:
                rows = self._conn.execute(query, args).fetchall()
            except sqlite3.Error as exc:
                raise JournalError(f"The journal could not be read: {exc}") from None
        out = []
        for seq, ts, incident, kind, payload, digest, version, journal in rows:
            try:
                data = json.loads(payload)
            except ValueError:
                data = {"unreadable": payload}
            out.append(Entry(seq, ts, incident, kind, data, digest, version or 1, journal or ""))
        return out

    def entries(self, incident: str | None = None) -> list[Entry]:
        if incident is None:
            return self._rows(_SELECT + " ORDER BY seq")
        return self._rows(_SELECT + " WHERE incident = ? ORDER BY seq", (incident,))

    def span(self, incident: str) -> tuple[str, list[Entry]]:
        """The contiguous run of entries from the incident's first to its last, with its anchor.

        This is what a review embeds: `verify_entries(span, anchor=...)` checks it on its own.
        """
        own = self.entries(incident)
        if not own:
            return GENESIS, []
        first, last = own[0].seq, own[-1].seq
        run = self._rows(
            _SELECT + " WHERE seq BETWEEN ? AND ? ORDER BY seq",
            (first, last),
        )
        anchor_rows = self._rows(_SELECT + " WHERE seq = ?", (first - 1,))
        anchor = anchor_rows[0].hash if anchor_rows else GENESIS
        return anchor, run

    def head(self) -> tuple[int, str]:
        with self._lock:
            row = self._conn.execute("SELECT seq, hash FROM head WHERE id = 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS)

    def verify(self) -> Verification:
        """Check the whole chain and that the head matches its last entry (truncation)."""
        with self._lock:
            try:
                rows = self._conn.execute(_SELECT + " ORDER BY seq").fetchall()
                head = self._conn.execute("SELECT seq, hash FROM head WHERE id = 1").fetchone()
            except sqlite3.Error as exc:
                return Verification(False, 0, GENESIS, 0, f"the journal cannot be read: {exc}")
        return verify_table(rows, head, self.id)

    def unfinished_incidents(self) -> list[str]:
        """Incidents whose last transition is not CLOSED or ABORTED, oldest first (docs/rules.md
        §6)."""
        latest: dict[str, str] = {}
        for entry in self._rows(
            _SELECT + " WHERE kind = ? ORDER BY seq",
            (TRANSITION,),
        ):
            if entry.incident:
                latest[entry.incident] = str(entry.payload.get("to", ""))
        return [i for i, state in latest.items() if state not in TERMINAL_STATES]

    # Approver state (the last TOTP step used, wrong codes in a row, a lockout) is a chained
    # entry, never a mutable row beside the chain: editing it breaks `verify` (issue 18 (d)).
    # Journals from before keep their old `approver_state` table; nothing reads it any more.
    def approver_state(self, approver: str) -> tuple[int, int, float]:
        """(last step used, wrong codes in a row, locked until) from the last `approver.state`
        entry for this approver; (-1, 0, 0.0) if there is none."""
        for entry in reversed(
            self._rows(_SELECT + " WHERE kind = ? ORDER BY seq", (APPROVER_STATE,))
        ):
            p = entry.payload
            if p.get("approver") == approver:
                return int(p["last_step"]), int(p["failures"]), float(p["locked_until"])
        return -1, 0, 0.0

    def set_approver_state(
        self,
        approver: str,
        last_step: int,
        failures: int,
        locked_until: float,
        *,
        incident: str | None = None,
        why: str,
    ) -> None:
        """Journal a change of an approver's state (fail closed, like any other entry)."""
        self.append(
            incident,
            APPROVER_STATE,
            {
                "approver": approver,
                "last_step": last_step,
                "failures": failures,
                "locked_until": locked_until,
                "why": why,
            },
        )
