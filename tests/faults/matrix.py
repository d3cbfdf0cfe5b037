"""What every row of the fault matrix (docs/rules.md §12, §14) asserts, in three parts:

1. the operator is told, in words, what happened (`raised` / `operator_message`);
2. the journal holds the failure with its stable code (`journaled`);
3. nothing is lost (`nothing_lost`): the app is thrown away as a crash would, the journal is
   reopened, the incident is found unfinished, resumed and driven to CLOSED; the chain
   verifies, the IAM user has exactly the access key that Vault holds, and the resumed app
   revoked every Vault token it obtained (a token held by the crashed process cannot be
   revoked by the next one — it is a secret never written down — and lapses with its TTL).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from breakglass_gui.core.chain import Entry
from breakglass_gui.core.errors import BreakGlassError
from breakglass_gui.core.incident import State
from breakglass_gui.core.procedure import Procedure
from tests.fakes.world import USERS, World, moto_client


def raised(action: Callable[[], Any], *words: str) -> BreakGlassError:
    """The action fails with an operator-facing error whose message holds these words."""
    with pytest.raises(BreakGlassError) as caught:
        action()
    error = caught.value
    for word in words:
        assert word in error.message, f"{word!r} not in {error.message!r}"
    return error


def journaled(world: World, proc: Procedure, kind: str, code: str) -> Entry:
    """The last journal entry of `kind` for this incident carries `code`."""
    entries = [e for e in world.journal.entries(proc.id) if e.kind == kind]
    assert entries, f"no {kind} entry"
    matching = [e for e in entries if e.payload.get("code") == code]
    assert matching, f"no {kind} with code {code}: {[e.payload for e in entries]}"
    return matching[-1]


def nothing_lost(world: World, proc: Procedure, *, end: bool = True) -> Procedure:
    """Crash, relaunch, resume and finish: see the module docstring."""
    incident_id = proc.id
    del proc  # every secret and session in memory is gone, as in a crash
    orphaned = set(world.vault.tokens)
    world.relaunch()
    assert incident_id in world.journal.unfinished_incidents()
    resumed = Procedure.resume(world.deps(), incident_id)
    if end and resumed.state is State.ACTIVE:
        resumed.end_session()  # the recovery screen leads into revoke-and-rotate (docs/rules.md §6)
    world.drive(resumed)
    assert resumed.state is State.CLOSED
    assert world.journal.verify().ok
    assert world.journal.unfinished_incidents() == []
    iam = moto_client("iam")
    active = [
        k["AccessKeyId"]
        for k in iam.list_access_keys(UserName=USERS[0])["AccessKeyMetadata"]
        if k["Status"] == "Active"
    ]
    assert active == [world.vault.current(USERS[0])["access_key_id"]]
    assert world.vault.tokens <= orphaned
    return resumed


RECORD = "/v1/secret/data/breakglass/users"  # the break-glass users' record in Vault


def on_writes(fault: str) -> Callable[[str], str | None]:
    """A Vault fault on every write (POST, PUT); reads go through."""

    def fault_on_write(method: str = "GET") -> str | None:
        return fault if method in ("POST", "PUT") else None

    return fault_on_write


def once(fault: str) -> Callable[[str], str | None]:
    """A Vault fault that happens on the first matching request only."""
    calls = {"n": 0}

    def fault_once(method: str = "GET") -> str | None:
        calls["n"] += 1
        return fault if calls["n"] == 1 else None

    return fault_once
