"""Fault matrix — the network goes down in the middle of a side effect (docs/rules.md §12).

Each row: the operator reads that the service could not be reached, the journal holds the
failed outcome with its code, and a relaunch finishes the incident with nothing lost.
"""

from __future__ import annotations

import pytest

from breakglass_gui.core.incident import State
from breakglass_gui.core.secret import Secret
from tests.fakes.world import TARGETS, VAULT_PASSWORD, World
from tests.faults.matrix import RECORD, journaled, nothing_lost, on_writes, once, raised


def test_during_get_session_token(world: World) -> None:
    proc = world.drive(world.declare(), State.VAULT_UNLOCKED)
    world.faults.fail["sts.GetSessionToken"] = 1
    error = raised(lambda: proc.verify_mfa(world.mfa_code()), "AWS cannot be reached")
    journaled(world, proc, "effect.outcome", error.code)
    assert proc.state is State.VAULT_UNLOCKED
    nothing_lost(world, proc)


def test_during_assume_role(world: World) -> None:
    proc = world.drive(world.declare(), State.MFA_VERIFIED)
    world.faults.fail["sts.AssumeRole"] = 1
    error = raised(lambda: proc.activate(TARGETS), "AWS cannot be reached")
    journaled(world, proc, "effect.outcome", error.code)
    nothing_lost(world, proc)


def test_during_get_signin_token(world: World) -> None:
    proc = world.drive(world.declare(), State.ACTIVE)
    world.federation.stop()  # the federation endpoint is gone
    error = raised(lambda: proc.open_console(TARGETS[0]), "federation endpoint cannot be reached")
    journaled(world, proc, "effect.outcome", error.code)
    assert world.browser.opened == []
    nothing_lost(world, proc)


def test_during_put_role_policy(world: World) -> None:
    proc = world.drive(world.declare(), State.ACTIVE)
    proc.end_session()
    world.faults.fail["iam.PutRolePolicy"] = 1
    raised(proc.revoke_and_rotate, "did not complete", "AWS cannot be reached")
    journaled(world, proc, "effect.outcome", "aws.network")
    assert proc.state in (State.ENDING, State.REVOKED)
    nothing_lost(world, proc)


def test_during_the_vault_write_of_the_rotated_credentials(world: World) -> None:
    proc = world.drive(world.declare(), State.ACTIVE)
    proc.end_session()
    world.vault.faults[RECORD] = on_writes("unreachable")
    raised(proc.revoke_and_rotate, "did not complete", "Vault cannot be reached")
    journaled(world, proc, "effect.outcome", "vault.unreachable")
    world.vault.faults.clear()
    nothing_lost(world, proc)


@pytest.mark.parametrize(
    "operation",
    [
        "iam.PutUserPolicy",
        "iam.CreateAccessKey",
        "iam.UpdateLoginProfile",
        "iam.UpdateAccessKey",
        "iam.DeleteAccessKey",
    ],
)
def test_during_any_other_revoke_or_rotate_call(world: World, operation: str) -> None:
    proc = world.drive(world.declare(), State.ACTIVE)
    proc.end_session()
    world.faults.fail[operation] = 1
    raised(proc.revoke_and_rotate, "did not complete", "AWS cannot be reached")
    journaled(world, proc, "effect.outcome", "aws.network")
    nothing_lost(world, proc)


def test_during_the_vault_login(world: World) -> None:
    proc = world.drive(world.declare(), State.APPROVED)
    world.vault.faults["/v1/auth/userpass/login"] = once("unreachable")
    error = raised(lambda: proc.unlock_vault(Secret(VAULT_PASSWORD)), "Vault")
    assert error.code == "vault.unreachable"
    journaled(world, proc, "effect.outcome", "vault.unreachable")
    nothing_lost(world, proc)


def test_during_the_vault_read_of_the_record(world: World) -> None:
    proc = world.drive(world.declare(), State.APPROVED)
    world.vault.faults[RECORD] = once("unreachable")
    error = raised(lambda: proc.unlock_vault(Secret(VAULT_PASSWORD)), "Vault cannot be reached")
    journaled(world, proc, "effect.outcome", error.code)
    nothing_lost(world, proc)


def test_the_federation_endpoint_refuses_the_sign_in(world: World) -> None:
    proc = world.drive(world.declare(), State.ACTIVE)
    world.federation.fail_next = 400
    error = raised(lambda: proc.open_console(TARGETS[0]))
    assert error.code == "federation.refused"
    journaled(world, proc, "effect.outcome", "federation.refused")
    assert world.browser.opened == []
    nothing_lost(world, proc)
