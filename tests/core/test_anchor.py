"""The off-workstation anchor (issue 18, item 7): an incident's checkpoints land in the Object
Lock bucket; `verify --anchor` catches a journal rewritten with recomputed hashes, a cut tail
and conflicting checkpoints; a checkpoint that cannot be written is journaled, shown and
listed, and the procedure goes on."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from breakglass_gui.cli import main
from breakglass_gui.core.anchor import DirAnchor, S3Anchor, copy_anchor
from breakglass_gui.core.canonical import canonical_json
from breakglass_gui.core.chain import GENESIS, chain_hash, entry_body
from breakglass_gui.core.incident import State
from breakglass_gui.core.review.data import build_review
from breakglass_gui.core.verify import verify_anchor_of, verify_file
from tests.fakes.world import ANCHOR_BUCKET, World, moto_client


def closed(world: World) -> Any:
    proc = world.drive(world.declare(), State.ROTATED)
    proc.write_review(world.tmp / "reviews")
    proc.close()
    return proc


def copied(world: World, to: Path) -> DirAnchor:
    bucket = S3Anchor(lambda: moto_client("s3"), ANCHOR_BUCKET, "checkpoints/")
    target = DirAnchor(to)
    copy_anchor(bucket, target)
    return target


def journal_copy(world: World, to: Path) -> Path:
    world.journal.close()
    shutil.copy(world.journal.path, to)
    return to


def rechain(path: Path, edit: Any) -> None:
    """What an attacker with the file does: edit entries, recompute every hash and the head."""
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT seq, ts, incident, kind, payload, v, journal FROM entries ORDER BY seq"
    ).fetchall()
    previous = GENESIS
    for seq, ts, incident, kind, payload, v, journal in rows:
        data = edit(seq, kind, json.loads(payload))
        if data is None:
            conn.execute("DELETE FROM entries WHERE seq = ?", (seq,))
            continue
        raw = {"seq": seq, "ts": ts, "incident": incident, "kind": kind, "payload": data}
        raw |= {"v": v, "journal": journal}
        previous = chain_hash(previous, entry_body(raw))
        conn.execute(
            "UPDATE entries SET payload = ?, hash = ? WHERE seq = ?",
            (canonical_json(data), previous, seq),
        )
        last = seq
    conn.execute("UPDATE head SET seq = ?, hash = ? WHERE id = 1", (last, previous))
    conn.commit()
    conn.close()


def test_an_incident_is_anchored_and_its_journal_matches(world: World, tmp_path: Path) -> None:
    proc = closed(world)
    written = [e.payload for e in world.journal.entries(proc.id) if e.kind == "anchor.written"]
    assert {w["state"] for w in written} >= {"ACTIVE", "ENDING", "REVOKED"}
    assert all(w["version"] for w in written)
    review = build_review(proc)
    assert [w["seq"] for w in review["anchor"]["written"]] == [w["seq"] for w in written]
    anchor = copied(world, tmp_path / "anchor")
    journal = journal_copy(world, tmp_path / "journal.sqlite3")
    report = verify_anchor_of(journal, anchor)
    assert report.ok and report.checked == len(written), report.problems
    args = ["verify", str(journal), "--anchor", str(tmp_path / "anchor")]
    assert main(args) == 0


def test_a_rewritten_journal_passes_its_chain_but_not_the_anchor(
    world: World, tmp_path: Path, capsys: Any
) -> None:
    """The attacker backdates the approvals and recomputes every hash: `verify` alone says
    intact; the anchor names the first checkpoint the rewrite contradicts. (Rewriting the
    request itself is caught by the replay already: its approvals no longer match it.)"""
    closed(world)
    anchor = copied(world, tmp_path / "anchor")
    journal = journal_copy(world, tmp_path / "journal.sqlite3")

    def backdate(seq: int, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        if kind == "approval.granted":
            payload["at"] = "2026-01-01T00:00:00.000Z"
        return payload

    rechain(journal, backdate)
    assert verify_file(journal).ok  # the chain alone cannot tell
    report = verify_anchor_of(journal, anchor)
    assert not report.ok
    assert "the journal was rewritten" in report.problems[0]
    assert main(["verify", str(journal), "--anchor", str(anchor.root)]) == 1
    assert "checkpoint at seq" in capsys.readouterr().err


def test_a_journal_cut_before_the_last_checkpoint_fails(world: World, tmp_path: Path) -> None:
    """The tail (revocation and all) removed, the head rewritten to match."""
    proc = closed(world)
    ending = min(e.seq for e in world.journal.entries(proc.id) if e.payload.get("to") == "ENDING")
    anchor = copied(world, tmp_path / "anchor")
    journal = journal_copy(world, tmp_path / "journal.sqlite3")
    rechain(journal, lambda seq, kind, payload: payload if seq < ending else None)
    assert verify_file(journal).ok
    report = verify_anchor_of(journal, anchor)
    assert not report.ok and "the journal ends before it" in " ".join(report.problems)


def test_conflicting_checkpoints_and_delete_markers(world: World, tmp_path: Path) -> None:
    """A second version at a seq with another hash is a conflict; a delete marker hides
    nothing (every version is read) and is flagged."""
    closed(world)
    anchor = copied(world, tmp_path / "anchor")
    journal = journal_copy(world, tmp_path / "journal.sqlite3")
    first = sorted(p for p in anchor.root.rglob("*.json"))[0]
    point = json.loads(first.read_text())
    key = f"{point['incident']}/{int(point['seq']):010d}.json"
    anchor.mark_deleted(key)
    report = verify_anchor_of(journal, anchor)
    assert report.ok and len(report.flagged) == 1 and "delete marker" in report.flagged[0]
    anchor.put(key, json.dumps({**point, "hash": "f" * 64}).encode())
    report = verify_anchor_of(journal, anchor)
    assert not report.ok and any("conflict" in p for p in report.problems)


def test_the_bucket_keeps_every_checkpoint_version(world: World) -> None:
    """Object Lock (compliance): deleting a version is refused; a delete adds a marker."""
    closed(world)
    s3 = moto_client("s3")
    versions = s3.list_object_versions(Bucket=ANCHOR_BUCKET)["Versions"]
    one = versions[0]
    with pytest.raises(Exception, match=r"AccessDenied|Forbidden"):
        s3.delete_object(Bucket=ANCHOR_BUCKET, Key=one["Key"], VersionId=one["VersionId"])
    s3.delete_object(Bucket=ANCHOR_BUCKET, Key=one["Key"])  # allowed: only adds a marker
    after = s3.list_object_versions(Bucket=ANCHOR_BUCKET)
    assert len(after["Versions"]) == len(versions) and len(after["DeleteMarkers"]) == 1


def test_a_checkpoint_that_cannot_be_written_is_journaled_shown_and_listed(
    make_world: Any,
) -> None:
    world = make_world(anchor={"bucket": "a-tmpl-prod-s3-no-such-anchor"})
    proc = world.drive(world.declare(), State.ROTATED)
    failed = [e.payload for e in world.journal.entries(proc.id) if e.kind == "anchor.failed"]
    assert failed and all(f["error"] for f in failed)
    assert proc.parts.anchoring.degraded  # the session page's banner
    proc.write_review(world.tmp / "reviews")
    review = build_review(proc)
    assert [f["seq"] for f in review["anchor"]["failed"]] == [f["seq"] for f in failed]
    html = (world.tmp / "reviews" / f"{proc.id}-review.html").read_text()
    assert "Not anchored" in html
    proc.close()
    assert proc.state is State.CLOSED  # the procedure went on
