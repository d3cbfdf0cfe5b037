"""Rotation never leaves the break-glass user without a working credential stored in Vault.

A failure is injected at every point of the direct path; right after it, the key in Vault's
current record must be an active key of the user that AWS accepts, the incident must still be
ending, and a retry must finish the rotation. The Lambda path is checked the same way.
"""

from __future__ import annotations

from typing import Any

import pytest

from breakglass_gui.core.aws.rotate import generate_password
from breakglass_gui.core.errors import BreakGlassError
from breakglass_gui.core.incident import State
from breakglass_gui.core.procedure import Procedure
from tests.fakes.rotation_lambda import lambda_world, rotating_lambda
from tests.fakes.world import IAM_ACCOUNT, USERS, World, moto_client

AWS_POINTS = [
    "iam.CreateAccessKey",
    "sts.GetCallerIdentity",
    "iam.UpdateLoginProfile",
    "iam.UpdateAccessKey",
    "iam.DeleteAccessKey",
    "iam.ListAccessKeys",
]
VAULT_POINTS = ["unreachable", "cas_mismatch", "sealed", "permission_denied"]


def assert_working_credential_in_vault(world: World) -> None:
    record = world.vault.current(USERS[0])
    iam = moto_client("iam")
    keys = {
        k["AccessKeyId"]: k["Status"]
        for k in iam.list_access_keys(UserName=USERS[0])["AccessKeyMetadata"]
    }
    assert keys.get(record["access_key_id"]) == "Active"
    identity = moto_client(
        "sts",
        aws_access_key_id=record["access_key_id"],
        aws_secret_access_key=record["secret_access_key"],
    ).get_caller_identity()
    assert identity["Arn"].endswith(f":user/{USERS[0]}")


def _ending(world: World) -> Procedure:
    proc = world.drive(world.declare(), State.ENDING)
    assert_working_credential_in_vault(world)
    return proc


def _finish(world: World, proc: Procedure) -> None:
    world.drive(proc, State.ROTATED)
    assert_working_credential_in_vault(world)
    record = world.vault.current(USERS[0])
    assert record["rotated_for"] == proc.id
    iam = moto_client("iam")
    assert [
        k["AccessKeyId"] for k in iam.list_access_keys(UserName=USERS[0])["AccessKeyMetadata"]
    ] == [record["access_key_id"]]


@pytest.mark.parametrize("operation", AWS_POINTS)
def test_an_aws_failure_at_any_rotation_point_keeps_a_working_credential_in_vault(
    world: World, operation: str
) -> None:
    proc = _ending(world)
    world.faults.fail[operation] = 1 if operation != "sts.GetCallerIdentity" else 8
    with pytest.raises(BreakGlassError) as raised:
        proc.revoke_and_rotate()
    assert raised.value.code == "ending.incomplete"
    assert "retry" in raised.value.message
    assert proc.state in (State.ENDING, State.REVOKED)
    assert_working_credential_in_vault(world)
    world.faults.fail.clear()
    _finish(world, proc)


@pytest.mark.parametrize("fault", VAULT_POINTS)
def test_a_vault_failure_on_the_write_keeps_a_working_credential_in_vault(
    world: World, fault: str
) -> None:
    proc = _ending(world)
    world.vault.faults["/v1/secret/data/"] = lambda method: fault if method == "POST" else None
    with pytest.raises(BreakGlassError):
        proc.revoke_and_rotate()
    assert_working_credential_in_vault(world)
    # the new key that never reached Vault was removed again
    iam = moto_client("iam")
    assert len(iam.list_access_keys(UserName=USERS[0])["AccessKeyMetadata"]) == 1
    world.vault.faults.clear()
    _finish(world, proc)


def test_generated_passwords_meet_any_iam_password_policy() -> None:
    for _ in range(50):
        password = generate_password().reveal()
        assert len(password) == 32
        assert any(c.isupper() for c in password) and any(c.islower() for c in password)
        assert any(c.isdigit() for c in password) and any(not c.isalnum() for c in password)


def test_the_rotation_lambda_is_invoked_with_the_seed_payload_and_checked(
    make_world: Any,
) -> None:
    world = lambda_world(make_world)
    seen: list[dict[str, Any]] = []
    world.faults.answers["lambda.Invoke"] = rotating_lambda(world, seen)
    proc = world.drive(world.declare(), State.CLOSED)
    assert seen == [
        {
            "account": IAM_ACCOUNT,
            "name": USERS[0],
            "email": "jane@example.com",
            "ForceRotate": USERS[0],
        }
    ]
    evidence = proc.incident.done_effects[f"rotate:{USERS[0]}"]["evidence"]
    assert evidence["path"] == "lambda"
    assert evidence["new_access_key_id"] != evidence["old_access_key_id"]
    assert_working_credential_in_vault(world)
