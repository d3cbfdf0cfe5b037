"""The journal's entries and how a run of them is verified: pure functions over data, shared
by the journal (core/journal.py), `main.py verify` (core/verify.py) and anyone who writes their
own verifier (docs/architecture.md, "The journal comes first").

Entry format (`v`): 1 — `{seq, ts, incident, kind, payload}`, what journals written before
versioning hold; 2 — the same plus `v` and `journal`, the journal's random id, so an entry
copied in from another journal is found. Both are read and verified; an entry in a format
newer than `FORMAT` is reported, never guessed at.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from breakglass_gui.core.canonical import canonical_json

GENESIS = "0" * 64
FORMAT = 2  # the entry format this version writes
TRANSITION = "incident.transition"
APPROVER_STATE = "approver.state"
REGISTRY_CHANGES = ("approver.enrolled", "approver.removed")  # who can approve (issue 18 (b))
TERMINAL_STATES = ("CLOSED", "ABORTED")


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
