"""Rotation never leaves the break-glass user without a working credential stored in Vault.

A failure is injected at every point of the direct path; right after it, the key in Vault's
current record must be an active key of the user that AWS accepts, the incident must still be
ending, and a retry must finish the rotation. The Lambda path is checked the same way.
"""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError
from botocore.response import StreamingBody

from breakglass_gui.core.aws.rotate import generate_password
from breakglass_gui.core.errors import BreakGlassError
from breakglass_gui.core.incident import State
from breakglass_gui.core.procedure import Procedure
from tests.fakes.world import IAM_ACCOUNT, REGION, USERS, World

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
    iam = boto3.client("iam", region_name=REGION)
    keys = {
        k["AccessKeyId"]: k["Status"]
        for k in iam.list_access_keys(UserName=USERS[0])["AccessKeyMetadata"]
    }
    assert keys.get(record["access_key_id"]) == "Active"
    identity = boto3.client(
        "sts",
        region_name=REGION,
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
    iam = boto3.client("iam", region_name=REGION)
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
    iam = boto3.client("iam", region_name=REGION)
    assert len(iam.list_access_keys(UserName=USERS[0])["AccessKeyMetadata"]) == 1
    world.vault.faults.clear()
    _finish(world, proc)


def test_generated_passwords_meet_any_iam_password_policy() -> None:
    for _ in range(50):
        password = generate_password().reveal()
        assert len(password) == 32
        assert any(c.isupper() for c in password) and any(c.islower() for c in password)
        assert any(c.isdigit() for c in password) and any(not c.isalnum() for c in password)


LAMBDA = f"arn:aws:lambda:{REGION}:{IAM_ACCOUNT}:function:break-glass-rotation"


def _lambda_world(make_world: Any) -> World:
    return make_world(rotation={"lambda_function": LAMBDA})  # type: ignore[no-any-return]


def _lambda_response(payload: dict[str, Any], function_error: str | None = None) -> Any:
    body = json.dumps(payload).encode()
    parsed: dict[str, Any] = {
        "StatusCode": 200,
        "ExecutedVersion": "$LATEST",
        "Payload": StreamingBody(io.BytesIO(body), len(body)),
        "ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": {}},
    }
    if function_error:
        parsed["FunctionError"] = function_error
    return AWSResponse("https://lambda", 200, {}, None), parsed


def _rotating_lambda(world: World, seen: list[dict[str, Any]]) -> Any:
    """Does what the AWS-provided rotation Lambda does, then answers like Lambda."""

    def invoke(params: dict[str, Any]) -> Any:
        event = json.loads(params["Payload"])
        seen.append(event)
        iam = boto3.client("iam", region_name=REGION)
        user = event["ForceRotate"]
        record = dict(world.vault.current(user))
        new = iam.create_access_key(UserName=user)["AccessKey"]
        iam.delete_access_key(UserName=user, AccessKeyId=record["access_key_id"])
        record.update(access_key_id=new["AccessKeyId"], secret_access_key=new["SecretAccessKey"])
        world.vault.kv[f"breakglass/users/{user}"].append(record)
        return _lambda_response({"status": "rotated", "user": user})

    return invoke


def test_the_rotation_lambda_is_invoked_with_the_seed_payload_and_checked(
    make_world: Any,
) -> None:
    world = _lambda_world(make_world)
    seen: list[dict[str, Any]] = []
    world.faults.answers["lambda.Invoke"] = _rotating_lambda(world, seen)
    proc = world.drive(world.declare(), State.CLOSED)
    assert seen == [{"account": IAM_ACCOUNT, "name": USERS[0], "ForceRotate": USERS[0]}]
    evidence = proc.incident.done_effects[f"rotate:{USERS[0]}"]["evidence"]
    assert evidence["path"] == "lambda"
    assert evidence["new_access_key_id"] != evidence["old_access_key_id"]
    assert_working_credential_in_vault(world)


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (
            lambda p: _lambda_response(
                {"errorMessage": "boom", "errorType": "Exception"}, "Unhandled"
            ),
            "rotate.lambda_error",
        ),
        (lambda p: _lambda_response({"status": "ok"}), "rotate.lambda_no_change"),
    ],
)
def test_a_failing_or_lying_rotation_lambda_is_caught(
    make_world: Any, answer: Any, code: str
) -> None:
    world = _lambda_world(make_world)
    proc = world.drive(world.declare(), State.ENDING)
    world.faults.answers["lambda.Invoke"] = answer
    with pytest.raises(BreakGlassError) as raised:
        proc.revoke_and_rotate()
    failures = [
        e.payload
        for e in world.journal.entries(proc.id)
        if e.kind == "effect.outcome" and not e.payload["ok"]
    ]
    assert any(f["code"] == code for f in failures)
    assert "did not complete" in raised.value.message
    assert_working_credential_in_vault(world)
    seen: list[dict[str, Any]] = []
    world.faults.answers["lambda.Invoke"] = _rotating_lambda(world, seen)
    world.drive(proc, State.ROTATED)
    assert len(seen) == 1


def test_a_rotation_lambda_timeout_is_reported_and_retried(make_world: Any) -> None:
    world = _lambda_world(make_world)
    proc = world.drive(world.declare(), State.ENDING)
    world.faults.errors["lambda.Invoke"] = ReadTimeoutError(endpoint_url="https://lambda")
    with pytest.raises(BreakGlassError):
        proc.revoke_and_rotate()
    failures = [
        e.payload
        for e in world.journal.entries(proc.id)
        if e.kind == "effect.outcome" and not e.payload["ok"]
    ]
    assert any(f["code"] == "rotate.lambda_timeout" for f in failures)
    world.faults.answers["lambda.Invoke"] = _rotating_lambda(world, [])
    world.drive(proc, State.ROTATED)
    assert_working_credential_in_vault(world)
