"""Fault matrix — Vault (docs/rules.md §2.3, §12): sealed, not initialised, permission denied, token
expired in the middle of an incident, and a check-and-set conflict on the rotation write.

Vault is a real OpenBao server (a namespace per test: tests/fakes/world_vault.py), spoken to
by unmodified hvac; each fault is provoked on the server, so the answer is its own.
"""

from __future__ import annotations

from breakglass_gui.core.incident import State
from breakglass_gui.core.secret import Secret
from tests.fakes.world import VAULT_PASSWORD, World
from tests.faults.matrix import RECORD, journaled, nothing_lost, on_writes, once, raised


def _unlock(proc, world: World):
    return lambda: proc.unlock_vault(Secret(VAULT_PASSWORD))


def test_sealed(world: World) -> None:
    proc = world.drive(world.declare(), State.APPROVED)
    world.vault.seal()
    error = raised(_unlock(proc, world), "sealed", "unseal")
    journaled(world, proc, "effect.outcome", error.code)
    assert proc.state is State.APPROVED
    for holder, share in enumerate(world.vault.unseal_keys[: world.vault.threshold]):
        proc.submit_unseal_share(Secret(share), f"holder-{holder + 1}")
    assert not world.vault.sealed
    nothing_lost(world, proc)


def test_not_initialised(world: World) -> None:
    proc = world.drive(world.declare(), State.APPROVED)
    with world.vault.uninitialised():  # a freshly installed server that nobody set up
        error = raised(_unlock(proc, world), "not initialised")
    journaled(world, proc, "effect.outcome", error.code)
    nothing_lost(world, proc)  # the Vault team points the name back at the real one


def test_permission_denied_on_the_record(world: World) -> None:
    proc = world.drive(world.declare(), State.APPROVED)
    world.vault.faults[RECORD] = once("permission_denied")
    error = raised(_unlock(proc, world), "policy")
    journaled(world, proc, "effect.outcome", error.code)
    assert proc.state is State.APPROVED
    nothing_lost(world, proc)


def test_token_expired_mid_incident(world: World) -> None:
    proc = world.drive(world.declare(), State.ACTIVE)
    proc.end_session()
    world.vault.expire_tokens()  # the Vault token's TTL ran out while access was open
    raised(proc.revoke_and_rotate, "did not complete", "expired")
    journaled(world, proc, "effect.outcome", "vault.token_expired")
    assert proc.needs() == "vault"  # the ending asks for Vault again instead of giving up
    nothing_lost(world, proc)


def test_check_and_set_conflict_on_the_rotation_write(world: World) -> None:
    proc = world.drive(world.declare(), State.ACTIVE)
    proc.end_session()
    world.vault.faults[RECORD] = on_writes("cas_mismatch")
    raised(proc.revoke_and_rotate, "did not complete", "changed")
    journaled(world, proc, "effect.outcome", "vault.cas_conflict")
    world.vault.faults.clear()
    nothing_lost(world, proc)


def test_a_token_that_expired_is_journaled_as_lapsed_not_later_as_orphaned(world: World) -> None:
    """The ending asks for a new login after the token expired: the lost token is recorded as
    lapsed then, and a crash afterwards calls nothing orphaned but the token then held."""
    from breakglass_gui.core.procedure import Procedure

    proc = world.drive(world.declare(), State.ACTIVE)
    proc.end_session()
    first = set(proc.incident.live_tokens)
    world.vault.expire_tokens()
    raised(proc.revoke_and_rotate, "did not complete", "expired")
    proc.unlock_vault(Secret(VAULT_PASSWORD))
    lapsed = [
        e.payload["accessor"]
        for e in world.journal.entries(proc.id)
        if e.kind == "vault.token_lapsed"
    ]
    assert set(lapsed) == first
    second = set(proc.incident.live_tokens)
    assert second and not (second & first)
    incident = proc.id
    del proc  # the app dies holding the second token
    world.relaunch()
    resumed = Procedure.resume(world.deps(), incident)
    assert set(resumed.incident.orphaned_tokens) == second
    world.drive(resumed)
    assert resumed.state is State.CLOSED


def test_logging_in_again_while_holding_a_token_revokes_the_held_one(world: World) -> None:
    proc = world.drive(world.declare(), State.VAULT_UNLOCKED)
    (held,) = proc.incident.live_tokens
    proc.unlock_vault(Secret(VAULT_PASSWORD))
    assert held not in world.vault.tokens  # revoked in Vault, not left to lapse
    assert held not in proc.incident.live_tokens and len(proc.incident.live_tokens) == 1
    nothing_lost(world, proc)
