"""The append-only, hash-chained journal (docs/architecture.md, "The journal comes first").

SQLite in WAL mode with `synchronous=FULL`, file mode 0600. Each entry's
`hash = SHA-256(prev_hash || canonical_json(entry))`; a one-row `head` table holds the last
sequence number and hash, written in the same transaction, so truncating the tail is detected
as well as editing, deleting or reordering entries. The notices carry the head hash off the
workstation, which covers an attacker who rewrites the head too.

Each entry carries its format version and the journal's random id (kept in the `meta` table);
the entries and their verification are core/chain.py.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from breakglass_gui.core.canonical import canonical_json
from breakglass_gui.core.chain import (
    APPROVER_STATE,
    FORMAT,
    GENESIS,
    REGISTRY_CHANGES,
    TERMINAL_STATES,
    TRANSITION,
    Entry,
    Verification,
    chain_hash,
    verify_table,
)
from breakglass_gui.core.clock import Clock, utc_iso
from breakglass_gui.core.errors import JournalError

log = logging.getLogger(__name__)

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
-- The approver registry and other journal-wide reads ask by kind (of_kinds): without it, each
-- read walked every entry of every incident, CloudTrail batches included.
CREATE INDEX IF NOT EXISTS entries_kind ON entries (kind, seq);
CREATE TABLE IF NOT EXISTS head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
"""


# Every query names the columns in this order (`_rows` and `verify_table` read them so).
_SELECT = "SELECT seq, ts, incident, kind, payload, hash, v, journal FROM entries"


class Journal:
    """One SQLite journal shared by all incidents on this workstation; thread-safe."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.RLock()
        self._pending: list[tuple[str | None, str, dict[str, Any], str]] = []
        self._unsynced = False  # entries committed without an fsync since the last one
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
        select = "SELECT value FROM meta WHERE key = 'journal_id'"
        with self._lock:
            try:
                row = self._conn.execute(select).fetchone()
                if row is None:
                    # Only a new journal needs one: uuid (~6 ms, it imports `platform`) stays
                    # off the cold start of every later launch (docs/rules.md §13).
                    import uuid

                    self._conn.execute(
                        "INSERT OR IGNORE INTO meta (key, value) VALUES ('journal_id', ?)",
                        (uuid.uuid4().hex,),
                    )
                    row = self._conn.execute(select).fetchone()
            except sqlite3.Error as exc:
                raise JournalError(f"The journal at {self.path} cannot be opened: {exc}") from None
        return str(row[0])

    def close(self) -> None:
        with self._lock:
            with contextlib.suppress(JournalError):
                self.sync()
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

    def append(
        self, incident: str | None, kind: str, payload: dict[str, Any], *, durable: bool = True
    ) -> Entry:
        """Write one entry durably or raise JournalError (the caller stops: fail closed).

        `durable=False` (group commit, core/recorder.py `grouped`): the entry is committed to
        the write-ahead log without waiting for the disk; the next durable entry or `sync()`
        makes it durable with everything before it (one fsync of the log covers them all, and
        SQLite's recovery keeps a prefix of the log, so the chain never has a hole)."""
        canonical_json(payload)  # refuse non-JSON data (a Secret, say) before touching the file
        with self._lock:
            self._flush_pending()
            if not durable:
                self._conn.execute("PRAGMA synchronous=NORMAL")
            try:
                entry = self._write(incident, kind, payload, utc_iso(self._clock.now()))
            finally:
                if not durable:
                    self._conn.execute("PRAGMA synchronous=FULL")
            # A synchronous=FULL commit syncs the whole log, the group's entries included.
            self._unsynced = not durable
            return entry

    def sync(self) -> None:
        """Make every entry written so far durable (the end of a group commit)."""
        with self._lock:
            if not self._unsynced:
                return
            wal = self.path.with_name(self.path.name + "-wal")
            # The log, where WAL mode holds (a file system without shared memory keeps SQLite in
            # its rollback mode, whose NORMAL commits are in the database file itself).
            target = wal if wal.exists() else self.path
            try:
                fd = os.open(target, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                raise JournalError(f"The journal could not be written to disk: {exc}") from None
            self._unsynced = False

    def append_or_hold(
        self, incident: str | None, kind: str, payload: dict[str, Any]
    ) -> Entry | None:
        """For revocation only (docs/rules.md §1): if the disk refuses, keep the entry in memory.

        Held entries are written, in order and before anything newer, by the next append that
        succeeds. Returns the entry as written, or None when it is held in memory.
        """
        canonical_json(payload)
        ts = utc_iso(self._clock.now())
        with self._lock:
            try:
                self._flush_pending()
                entry = self._write(incident, kind, payload, ts)
            except JournalError as exc:
                self._pending.append((incident, kind, {**payload, "held_in_memory": True}, ts))
                log.warning(
                    "journal unavailable, holding %d entries in memory: %s",
                    len(self._pending),
                    exc.message,
                )
                return None
            return entry

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

    def registry_changes_before(self, incident: str) -> list[Entry]:
        """Changes of the approver registry made since the previous incident's last entry and
        before this incident's first: what its review must list."""
        own = self._rows(_SELECT + " WHERE incident = ? ORDER BY seq LIMIT 1", (incident,))
        if not own:
            return []
        first = own[0].seq
        earlier = self._rows(
            _SELECT + " WHERE incident IS NOT NULL AND incident != ? AND seq < ? "
            "ORDER BY seq DESC LIMIT 1",
            (incident, first),
        )
        since = earlier[0].seq if earlier else 0
        return [
            e
            for e in self._rows(_SELECT + " WHERE seq > ? AND seq < ? ORDER BY seq", (since, first))
            if e.kind in REGISTRY_CHANGES
        ]

    def of_kinds(self, *kinds: str) -> list[Entry]:
        """Every entry of these kinds, in order (all incidents and none)."""
        marks = ", ".join("?" for _ in kinds)
        return self._rows(_SELECT + f" WHERE kind IN ({marks}) ORDER BY seq", kinds)

    def head(self) -> tuple[int, str]:
        with self._lock:
            try:
                row = self._conn.execute("SELECT seq, hash FROM head WHERE id = 1").fetchone()
            except sqlite3.Error as exc:
                raise JournalError(f"The journal could not be read: {exc}") from None
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
