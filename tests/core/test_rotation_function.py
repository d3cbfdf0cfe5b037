"""The reference rotation function's deployment (issue 15.3): least privilege, idempotent.

moto does not evaluate IAM policies, so what the execution role may do is pinned here against
the rules it implements (sources in core/aws/rotation_function.py): the IAM actions only on
the break-glass users, the one SSM parameter, kms:Decrypt only through SSM for that parameter,
its own log group."""

from __future__ import annotations

import re
from typing import Any

import boto3

from breakglass_gui.core.aws.admin import ProfileSessions
from breakglass_gui.core.aws.blueprint import build_blueprint
from breakglass_gui.core.aws.provision import Provisioner
from breakglass_gui.core.aws.rotation_function import (
    IAM_ACTIONS,
    code_sha256,
    function_zip,
    rotation_function_spec,
)
from breakglass_gui.core.config import parse_config
from breakglass_gui.core.resources import resource_path
from tests.fakes.world import IAM_ACCOUNT, REGION, USERS, config_data

FUNCTION = f"arn:aws:lambda:{REGION}:{IAM_ACCOUNT}:function:break-glass-rotation"
PARAMETER = f"arn:aws:ssm:{REGION}:{IAM_ACCOUNT}:parameter/breakglass/rotation/vault-secret-id"


def _config() -> Any:
    return parse_config(
        config_data(rotation={"lambda_function": FUNCTION, "vault_role_id": "role-id-1"})
    )


def _statements() -> dict[str, dict[str, Any]]:
    spec = rotation_function_spec(_config())
    assert spec is not None
    return {s["Sid"]: s for s in spec.role_policy["Statement"]}


def test_no_statement_allows_everything_or_every_resource() -> None:
    for sid, statement in _statements().items():
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        assert not any(a == "*" or a.endswith(":*") for a in actions), sid
        assert statement["Resource"] != "*", sid
        assert statement["Effect"] == "Allow"


def test_iam_actions_only_on_the_break_glass_users() -> None:
    iam = _statements()["RotateTheBreakGlassUsers"]
    assert tuple(iam["Action"]) == IAM_ACTIONS
    assert iam["Resource"] == [f"arn:aws:iam::{IAM_ACCOUNT}:user/{u}" for u in USERS]


def test_the_secret_id_is_one_parameter_decrypted_only_through_ssm() -> None:
    statements = _statements()
    assert statements["ReadTheVaultSecretId"] == {
        "Sid": "ReadTheVaultSecretId",
        "Effect": "Allow",
        "Action": "ssm:GetParameter",
        "Resource": PARAMETER,
    }
    kms = statements["DecryptOnlyThatParameter"]
    assert kms["Action"] == "kms:Decrypt"
    assert kms["Condition"]["StringEquals"] == {
        "kms:ViaService": f"ssm.{REGION}.amazonaws.com",
        "kms:EncryptionContext:PARAMETER_ARN": PARAMETER,
    }


def test_the_environment_names_vault_and_the_users_but_holds_no_secret() -> None:
    spec = rotation_function_spec(_config())
    assert spec is not None
    env = spec.environment
    assert env["BREAKGLASS_USERS"] == ",".join(USERS)
    assert env["VAULT_ROLE_ID"] == "role-id-1"
    assert env["VAULT_SECRET_ID_PARAMETER"] == "/breakglass/rotation/vault-secret-id"
    assert not any("secret_id=" in v or "password" in k.lower() for k, v in env.items())
    assert len(str(env)) < 4096  # Lambda's environment limit (4 KB in all)


def test_the_vault_policy_of_the_function_reads_and_updates_records_only() -> None:
    hcl = resource_path("vault", "breakglass-rotation.hcl").read_text()
    paths = dict(re.findall(r'path "([^"]+)" \{\s*capabilities = \[([^\]]*)\]', hcl))
    assert paths == {
        "secret/data/breakglass/users/*": '"read", "update"',
        "auth/token/revoke-self": '"update"',
    }


def test_the_package_is_the_same_bytes_every_time() -> None:
    assert function_zip() == function_zip()  # so CodeSha256 tells whether it is deployed
    assert code_sha256(function_zip()) == code_sha256(function_zip())


def test_provision_deploys_it_once_and_mends_a_changed_function(
    moto_admin: ProfileSessions,
) -> None:
    provisioner = Provisioner(build_blueprint(_config()), moto_admin)
    planned = [c.resource for c in provisioner.plan() if "rotation" in c.resource]
    assert planned == [
        "iam role break-glass-rotation-role",
        "iam role break-glass-rotation-role policy rotate-the-break-glass-users",
        "lambda break-glass-rotation",
    ]
    provisioner.apply()
    assert provisioner.plan() == []  # idempotent
    lam = boto3.client("lambda", region_name=REGION)
    lam.update_function_configuration(
        FunctionName="break-glass-rotation", Environment={"Variables": {"BREAKGLASS_USERS": "x"}}
    )
    mends = [c.resource for c in provisioner.plan()]
    assert mends == ["lambda break-glass-rotation configuration"]
    provisioner.apply()
    assert provisioner.plan() == []
