"""Fault matrix — the disk fills up (docs/rules.md §1, §5.1, §6, §12).

The journal: before access, a step whose intent cannot be journaled does not happen (fail
closed); during revocation, revocation goes on and its entries are held in memory and written
as soon as the disk has room. The review export: no partial file, revocation already done, the
export can be retried. A full disk is simulated where SQLite and the exporter meet it: an
INSERT that fails with SQLite's "database or disk is full", and fsync raising ENOSPC.
"""

from __future__ import annotations

import errno
import os

import pytest

from breakglass_gui.core.errors import JournalError, ReviewError
from breakglass_gui.core.incident import State
from breakglass_gui.core.secret import Secret
from tests.fakes.world import VAULT_PASSWORD, World
from tests.faults.matrix import nothing_lost, raised

FULL = (
    "CREATE TRIGGER full BEFORE INSERT ON entries "
    "BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END"
)


def _fill(world: World) -> None:
    world.journal._conn.execute(FULL)


def _free(world: World) -> None:
    world.journal._conn.execute("DROP TRIGGER full")


def test_the_journal_full_before_access_stops_the_step_before_its_side_effect(
    world: World,
) -> None:
    proc = world.drive(world.declare(), State.APPROVED)
    before = len(world.journal.entries(proc.id))
    _fill(world)
    error = raised(
        lambda: proc.unlock_vault(Secret(VAULT_PASSWORD)), "stopped before the next step"
    )
    assert isinstance(error, JournalError)
    assert world.vault.requests == []  # Vault was never asked
    _free(world)
    assert len(world.journal.entries(proc.id)) == before  # nothing half-written
    nothing_lost(world, proc)


def test_the_journal_full_during_revocation_holds_entries_and_revocation_completes(
    world: World,
) -> None:
    proc = world.drive(world.declare(), State.ENDING)
    _fill(world)
    # Revocation runs without the journal (its entries held in memory); rotation, which
    # changes the credentials, fails closed until the journal can record it.
    raised(proc.revoke_and_rotate, "rotate:", "journal could not be written")
    assert proc.incident.reached(State.REVOKED)  # access is gone although nothing was written
    held = world.journal.held
    assert held > 0
    _free(world)
    world.step(proc)  # retried: the first write flushes what was held, in order
    assert proc.state is State.ROTATED
    entries = world.journal.entries(proc.id)
    assert sum(1 for e in entries if e.payload.get("held_in_memory")) == held
    assert world.journal.verify().ok
    world.drive(proc)
    assert proc.state is State.CLOSED


def _enospc(fd: int) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_the_disk_full_while_exporting_the_review(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    proc = world.drive(world.declare(), State.ROTATED)
    out = world.tmp / "out"
    monkeypatch.setattr(os, "fsync", _enospc)
    error = raised(lambda: proc.write_review(out), "No space left on device")
    assert isinstance(error, ReviewError)
    assert proc.state is State.ROTATED  # revoked and rotated before the export was tried
    assert not out.exists() or list(out.iterdir()) == []  # no partial file
    failed = [e.payload for e in world.journal.entries(proc.id) if e.kind == "review.failed"]
    assert failed and "No space left" in failed[-1]["message"]
    monkeypatch.undo()
    assert len(proc.write_review(out)) == 4  # HTML, Markdown, JSON and the approval bundle
    world.drive(proc)
    assert proc.state is State.CLOSED and world.journal.verify().ok
