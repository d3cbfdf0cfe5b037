"""Off-workstation checkpoints of the journal (docs/rules.md §5.4; issue 18, item 7).

At each step of an incident the app writes one JSON object `{incident, seq, hash, state, time,
registry_hash, journal}` to an S3 bucket with Object Lock in compliance mode, in the log
account: for the retention period nobody — not the operator, not an administrator, not the
account's root — can delete or overwrite that version. Rewriting the journal afterwards (new
hashes, a cut tail, a forged ending) then contradicts a checkpoint that cannot be taken back.

`verify_anchor` compares every checkpoint version (delete markers are listed, never trusted to
hide anything) with the journal: each must match the journal's entry at its seq, none may
conflict with another, and the journal may not end before the last one.

A checkpoint that cannot be written is retried, journaled (`anchor.failed`), shown and listed
in the review; the procedure goes on (the anchor is evidence, not a gate).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from breakglass_gui.core.canonical import canonical_json
from breakglass_gui.core.chain import Entry

FORMAT = "breakglass-checkpoint/1"


def checkpoint(
    *,
    incident: str,
    seq: int,
    hash: str,
    state: str,
    at: str,
    registry_hash: str,
    journal_id: str,
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "incident": incident,
        "seq": seq,
        "hash": hash,
        "state": state,
        "time": at,
        "registry_hash": registry_hash,
        "journal": journal_id,
    }


def object_key(prefix: str, point: dict[str, Any]) -> str:
    return f"{prefix}{point['incident']}/{int(point['seq']):010d}.json"


@dataclass(frozen=True)
class Stored:
    """One version of a checkpoint object as the anchor holds it."""

    key: str
    version: str
    body: bytes | None  # None: a delete marker
    last_modified: str = ""


class AnchorStore(Protocol):
    """Where checkpoints go: S3 in production, a directory for the drill's copies."""

    where: str

    def put(self, key: str, body: bytes) -> str:
        """Store one checkpoint; returns its version id (raises on failure)."""

    def versions(self) -> Iterable[Stored]:
        """Every version and delete marker under the prefix."""


class S3Anchor:
    """The bucket, through an S3 client (`client()` is called per use: the caller's
    credentials may change during an incident)."""

    def __init__(self, client: Callable[[], Any], bucket: str, prefix: str) -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = prefix
        self.where = f"s3://{bucket}/{prefix}"

    def put(self, key: str, body: bytes) -> str:
        # A PutObject to a bucket with Object Lock needs an integrity header (Content-MD5 or an
        # SDK checksum: S3 User Guide, "Using S3 Object Lock"); the bucket's default retention
        # (compliance mode) applies to the new version. Content-MD5 goes as a plain header on
        # a plain body (no aws-chunked trailer, which the drill's server cannot read).
        reply = self._client().put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType="application/json",
            ContentMD5=base64.b64encode(hashlib.md5(body).digest()).decode(),  # noqa: S324
        )
        return str(reply.get("VersionId", ""))

    def versions(self) -> Iterable[Stored]:
        s3 = self._client()
        pages = s3.get_paginator("list_object_versions").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for marker in page.get("DeleteMarkers", []):
                yield Stored(marker["Key"], marker["VersionId"], None, str(marker["LastModified"]))
            for version in page.get("Versions", []):
                body = s3.get_object(
                    Bucket=self.bucket, Key=version["Key"], VersionId=version["VersionId"]
                )["Body"].read()
                yield Stored(
                    version["Key"], version["VersionId"], body, str(version["LastModified"])
                )


class DirAnchor:
    """Checkpoints as files: `<incident>/<seq>.<n>.json`, one per version (`.deleted` for a
    delete marker). What `drill --autopilot --out DIR` copies to DIR/anchor."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.where = str(root)

    def put(self, key: str, body: bytes) -> str:
        path = self._next_version(key, "json")
        path.write_bytes(body)
        return path.stem.rpartition(".")[2]

    def mark_deleted(self, key: str) -> None:
        self._next_version(key, "deleted").write_bytes(b"")

    def _next_version(self, key: str, suffix: str) -> Path:
        base = self.root / key.removesuffix(".json")
        base.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        n = len(list(base.parent.glob(f"{base.name}.*")))
        return base.parent / f"{base.name}.{n}.{suffix}"

    def versions(self) -> Iterable[Stored]:
        for path in sorted(self.root.rglob("*")):
            if not path.is_file():
                continue
            stem, _, version = path.stem.rpartition(".")
            key = str(path.parent.relative_to(self.root) / f"{stem}.json")
            deleted = path.suffix == ".deleted"
            yield Stored(key, version, None if deleted else path.read_bytes())


def anchor_at(where: str, s3_client: Callable[[], Any]) -> AnchorStore:
    """`s3://BUCKET/PREFIX` (read with `s3_client()`), anything else a directory of copies."""
    if where.startswith("s3://"):
        bucket, _, prefix = where.removeprefix("s3://").partition("/")
        return S3Anchor(s3_client, bucket, prefix)
    return DirAnchor(Path(where))


def copy_anchor(source: AnchorStore, target: DirAnchor) -> int:
    """Copy every version (and delete marker) of `source` into a directory; returns how many."""
    count = 0
    prefix = getattr(source, "prefix", "")
    for stored in source.versions():
        key = stored.key.removeprefix(prefix)
        if stored.body is None:
            target.mark_deleted(key)
        else:
            target.put(key, stored.body)
        count += 1
    return count


@dataclass
class AnchorReport:
    checked: int
    problems: list[str]
    flagged: list[str]
    matched_incidents: set[str] = field(default_factory=set)  # with a checkpoint that matched

    @property
    def ok(self) -> bool:
        return self.checkpoints_found and not self.problems

    @property
    def checkpoints_found(self) -> bool:
        return self.checked > 0

    def describe(self) -> str:
        if not self.checkpoints_found and not self.problems:
            return "no checkpoint found at the anchor"
        if self.problems:
            return f"{len(self.problems)} problem(s); first: {self.problems[0]}"
        return f"{self.checked} checkpoint(s) match the journal"


def verify_anchor(
    entries: Sequence[Entry], stored: Iterable[Stored], journal_id: str
) -> AnchorReport:
    """Every checkpoint version against the journal (see the module's docstring)."""
    by_seq = {e.seq: e for e in entries}
    last_seq = entries[-1].seq if entries else 0
    problems: list[tuple[int, str]] = []  # by seq: the first mismatch is named first
    flagged: list[str] = []
    seen: dict[int, str] = {}
    matched: set[str] = set()
    checked = 0
    for item in stored:
        if item.body is None:
            flagged.append(f"{item.key}: a delete marker (version {item.version}) hides it")
            continue
        try:
            point = json.loads(item.body)
            seq, digest = int(point["seq"]), str(point["hash"])
        except (ValueError, KeyError, TypeError):
            problems.append((0, f"{item.key} (version {item.version}): not a checkpoint"))
            continue
        if point.get("journal") and journal_id and point["journal"] != journal_id:
            continue  # another workstation's journal shares the bucket
        checked += 1
        if seen.get(seq, digest) != digest:
            problems.append(
                (seq, f"checkpoints for seq {seq} conflict ({seen[seq][:12]}… vs {digest[:12]}…)")
            )
        seen[seq] = digest
        entry = by_seq.get(seq)
        if entry is None:
            where = "ends before it" if seq > last_seq else "has no such entry"
            problems.append(
                (seq, f"checkpoint at seq {seq}: the journal {where} (last seq {last_seq})")
            )
        elif entry.hash != digest or entry.incident != point.get("incident"):
            problems.append(
                (
                    seq,
                    f"checkpoint at seq {seq}: the journal's entry there has hash "
                    f"{entry.hash[:12]}…, the anchor {digest[:12]}… (the journal was rewritten)",
                )
            )
        else:
            matched.add(str(point.get("incident")))
    problems.sort(key=lambda p: p[0])
    return AnchorReport(checked, [text for _, text in problems], flagged, matched)


def retried(
    attempt: Callable[[], str],
    backoff: Sequence[float],
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Run `attempt` until it succeeds, sleeping `backoff` between tries; the last error raised."""
    for pause in (*backoff, None):
        try:
            return attempt()
        except Exception:
            if pause is None:
                raise
            sleep(pause)
    raise AssertionError("unreachable")


def body_of(point: dict[str, Any]) -> bytes:
    return (canonical_json(point) + "\n").encode("utf-8")
