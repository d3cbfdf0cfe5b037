"""The shipped rotation function, end to end in the drill (issue 15.3): `provision` deploys
resources/rotation/lambda_function.py with its execution role, the app invokes it at the end of
an incident, the drill runs that very file (moto's Lambda cannot invoke without Docker), and
the app then checks the outcome itself. The function logs in to the drill's real OpenBao with
AppRole, its secret id read from SSM."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from breakglass_gui.core.clock import SystemClock
from breakglass_gui.core.incident import State
from breakglass_gui.core.journal import Journal
from breakglass_gui.drill.autopilot import declare, to_access
from breakglass_gui.drill.environment import DrillEnvironment
from breakglass_gui.drill.layout import IAM_ACCOUNT, MEMBERS, ROTATION_APPROLE, USERS
from tests.fakes.drill_clients import user_client


@pytest.fixture(scope="module")
def env() -> Iterator[DrillEnvironment]:
    environment = DrillEnvironment(rotation_lambda=True).start().unseal()
    yield environment
    environment.stop()


def test_an_incident_rotates_through_the_deployed_function(
    env: DrillEnvironment, tmp_path: Path
) -> None:
    assert env.config is not None and env.admin is not None
    path = env.config.vault.kv_path(USERS[0])
    journal = Journal(tmp_path / "journal.sqlite3", SystemClock())
    proc = declare(env.deps(journal), "LAMBDA", "Drill: rotation through the shipped function.")
    to_access(env, proc)
    before = env.vault.current(path)
    proc.activate([MEMBERS[0]])
    proc.end_session()
    proc.revoke_and_rotate()
    assert proc.state is State.ROTATED

    assert env.gate is not None and env.gate.lambdas is not None
    assert env.gate.lambdas.invocations == [
        {
            "account": IAM_ACCOUNT,
            "name": USERS[0],
            "email": "operator@drill.invalid",
            "ForceRotate": USERS[0],
        }
    ]
    after = env.vault.current(path)
    assert after["access_key_id"] != before["access_key_id"]
    assert after["console_password"] != before["console_password"]
    iam = env.admin.client("iam", IAM_ACCOUNT)
    keys = iam.list_access_keys(UserName=USERS[0])["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [after["access_key_id"]]  # the old key is gone
    sts = user_client(env, "sts", USERS[0])  # the key now in Vault works
    assert sts.get_caller_identity()["Arn"].endswith(f":user/{USERS[0]}")
    rotated = next(
        e.payload
        for e in journal.entries(proc.id)
        if e.kind == "effect.outcome" and e.payload.get("effect") == "rotate"
    )
    assert rotated["evidence"]["path"] == "lambda"
    assert rotated["evidence"]["lambda_status"] == "rotated"
    # In OpenBao's own audit: the function logged in with its AppRole and wrote the record
    # with check-and-set through a token of its own policy, then revoked that token.
    entries = env.vault.tap.entries()
    writes = [
        e
        for e in entries
        if e.get("type") == "response"
        and (e.get("request") or {}).get("path") == f"secret/data/{path}"
        and (e.get("request") or {}).get("operation") in ("create", "update")
    ]
    assert writes and writes[-1]["auth"]["policies"] == ["breakglass-rotation"]
    assert writes[-1]["request"]["data"]["options"] == {"cas": 1}
    logins = [e for e in entries if (e.get("request") or {}).get("path") == "auth/approle/login"]
    assert logins and logins[-1]["auth"]["metadata"]["role_name"] == ROTATION_APPROLE
    proc.shutdown()
    journal.close()


def test_the_function_refuses_a_user_it_may_not_rotate(env: DrillEnvironment) -> None:
    assert env.config is not None and env.admin is not None
    lam = env.admin.client("lambda", IAM_ACCOUNT)
    before = env.vault.current(env.config.vault.kv_path(USERS[0]))
    for event in (
        {"account": IAM_ACCOUNT, "name": "someone-else", "ForceRotate": "someone-else"},
        {"account": IAM_ACCOUNT, "name": USERS[0], "ForceRotate": USERS[1]},
        {"account": "999999999999", "name": USERS[0], "ForceRotate": USERS[0]},
    ):
        answer = lam.invoke(
            FunctionName=env.config.rotation.lambda_function, Payload=json.dumps(event).encode()
        )
        assert answer["FunctionError"] == "Unhandled"
        error = json.loads(answer["Payload"].read())
        assert error["errorType"] == "RotationError"
    assert env.vault.current(env.config.vault.kv_path(USERS[0])) == before  # nothing changed


def test_a_concurrent_change_in_vault_stops_it_and_its_new_key_is_deleted(
    env: DrillEnvironment,
) -> None:
    from breakglass_gui.drill.lambda_runner import shipped_function

    assert env.config is not None and env.admin is not None
    module = shipped_function()
    path = env.config.vault.kv_path(USERS[1])
    iam = env.admin.client("iam", IAM_ACCOUNT)
    keys_before = [
        k["AccessKeyId"] for k in iam.list_access_keys(UserName=USERS[1])["AccessKeyMetadata"]
    ]
    original = module.Vault.write

    def someone_writes_first(self: object, *args: object, **kwargs: object) -> object:
        env.vault.put(path, {**env.vault.current(path), "rotated_for": "someone else"})
        return original(self, *args, **kwargs)

    module.Vault.write = someone_writes_first
    lam = env.admin.client("lambda", IAM_ACCOUNT)
    settings = lam.get_function_configuration(FunctionName=env.config.rotation.function_name)
    event = {"account": IAM_ACCOUNT, "name": USERS[1], "ForceRotate": USERS[1]}
    with pytest.raises(module.RotationError, match="HTTP 400"):
        module.lambda_handler(
            event,
            None,
            aws=lambda service: env.admin.client(service, IAM_ACCOUNT),
            environ=settings["Environment"]["Variables"],
        )
    keys_after = [
        k["AccessKeyId"] for k in iam.list_access_keys(UserName=USERS[1])["AccessKeyMetadata"]
    ]
    assert keys_after == keys_before  # its new key was deleted again; the old one still works
    assert env.vault.current(path)["rotated_for"] == "someone else"  # nothing overwritten
    assert env.vault.current(path)["access_key_id"] == keys_before[0]
