"""The Vault token's life in the journal, against the drill's real OpenBao (issue 17.3): its
accessor and expiry at login, every Vault request id (each one in OpenBao's audit log), the
server's version and cluster in the review, and a token orphaned by a crash recorded with the
time it lapses after the next login tried to revoke it by accessor."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from breakglass_gui.core.clock import SystemClock
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.procedure import Procedure
from breakglass_gui.core.review.data import build_review
from breakglass_gui.drill.autopilot import declare, to_access
from breakglass_gui.drill.environment import DrillEnvironment
from breakglass_gui.drill.layout import VAULT_USER
from tests.fakes.waiting import wait_for


@pytest.fixture(scope="module")
def env() -> Iterator[DrillEnvironment]:
    environment = DrillEnvironment().start()
    yield environment
    environment.stop()


def _declare(env: DrillEnvironment, journal: Journal) -> Procedure:
    return declare(env.deps(journal), "TOKEN-LIFE", "Drill: the Vault token's life is journaled.")


def _outcomes(journal: Journal, incident: str, effect: str) -> list[dict]:
    return [
        e.payload
        for e in journal.entries(incident)
        if e.kind == "effect.outcome" and e.payload.get("effect") == effect
    ]


def test_the_token_life_from_login_to_a_crash_and_the_next_login(
    env: DrillEnvironment, tmp_path: Path
) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = Journal(path, SystemClock())
    proc = _declare(env, journal)
    to_access(env, proc)
    login = _outcomes(journal, proc.id, "vault.login")[-1]
    orphan = login["evidence"]
    assert orphan["accessor"] and orphan["expires_at"].endswith("Z")
    assert orphan["ttl"] == 1800
    assert orphan["accessor"] in env.vault.live_tokens(VAULT_USER)
    review = build_review(proc)
    assert review["vault"]["version"] == env.vault.version
    assert review["vault"]["cluster_name"].startswith("vault-cluster-")
    ids = review["vault"]["request_ids"]
    assert len(ids) >= 2  # the login and the record read at least
    wait_for(
        lambda: set(ids) <= env.vault.tap.request_ids(),
        "a journaled request id is not in OpenBao's audit stream",
    )
    proc.keep_vault_alive()  # not due yet: nothing happens
    assert not _outcomes(journal, proc.id, "vault.renew_token")
    later = time.monotonic() + 901  # past half of the 30-minute TTL
    proc.parts.custody.vault._monotonic = lambda: later  # the gateway's clock, for the test
    proc.keep_vault_alive()
    renewed = _outcomes(journal, proc.id, "vault.renew_token")[-1]["evidence"]
    assert renewed["accessor"] == orphan["accessor"] and renewed["ttl"] == 1800
    orphan = {**orphan, "expires_at": renewed["expires_at"]}  # the journal follows renewals
    journal.close()  # the app dies here: its token is never revoked

    journal = Journal(path, SystemClock())
    resumed = Procedure.resume(env.deps(journal), proc.id)
    assert resumed.incident.orphaned_tokens == {
        orphan["accessor"]: {"expires_at": orphan["expires_at"]}
    }
    resumed.unlock_vault(env.vault_credential())
    # The shipped policy may not revoke another token by accessor: the journal says so, and
    # the review shows when the orphan lapses.
    tried = _outcomes(journal, proc.id, "vault.revoke_accessor")
    assert tried and tried[-1]["ok"] is False and tried[-1]["code"] == "vault.permission_denied"
    review = build_review(resumed)
    assert review["vault"]["orphaned_tokens"] == [
        {"accessor": orphan["accessor"], "lapses_at": orphan["expires_at"], "revoked": False}
    ]
    assert orphan["accessor"] in env.vault.live_tokens(VAULT_USER)  # until it lapses
    second = _outcomes(journal, proc.id, "vault.login")[-1]["evidence"]["accessor"]
    resumed.shutdown()
    revoked = _outcomes(journal, proc.id, "vault.revoke_token")[-1]
    assert revoked["evidence"] == {"revoked": True, "accessor": second}
    assert second not in env.vault.live_tokens(VAULT_USER)
    journal.close()
