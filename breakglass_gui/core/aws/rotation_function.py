"""The reference rotation function as part of the blueprint (docs/rules.md §4.3, issue 15.3).

With `[rotation] lambda_function` set, `provision --apply` and `render-cfn` deploy
resources/rotation/lambda_function.py in the IAM account, with an execution role that may do
exactly what the function does and nothing else:

- on the break-glass users only: ListAccessKeys, CreateAccessKey, UpdateAccessKey,
  DeleteAccessKey, UpdateLoginProfile (IAM Service Authorization Reference: all five take
  the `user` resource type, so they are scoped to the users' ARNs);
- GetParameter on its one SSM parameter (the AppRole secret id), and kms:Decrypt only when
  SSM asks for that parameter (`kms:ViaService` and the `PARAMETER_ARN` encryption context SSM
  sets: Systems Manager User Guide, "Restricting decryption of SecureString parameter values";
  the `aws/ssm` managed key lets every principal of the account decrypt, so encrypt the
  parameter with a customer managed key);
- its own log group (the logs Lambda writes).

GetCallerIdentity needs no permission (STS API reference). The app's invocation comes from
the break-glass role in the IAM account, whose policy allows it.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from breakglass_gui.core.aws.changes import (
    AdminSessions,
    Change,
    exists,
    inline_policy,
    role_not_yet_assumable,
    while_iam_propagates,
)
from breakglass_gui.core.config import Config
from breakglass_gui.core.resources import resource_path

HANDLER = "lambda_function.lambda_handler"
RUNTIME = "python3.12"
IAM_ACTIONS = (
    "iam:ListAccessKeys",
    "iam:CreateAccessKey",
    "iam:UpdateAccessKey",
    "iam:DeleteAccessKey",
    "iam:UpdateLoginProfile",
)
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@dataclass(frozen=True)
class RotationFunctionSpec:
    account: str
    region: str
    name: str
    role_name: str
    role_policy: dict[str, Any]
    environment: dict[str, str] = field(default_factory=dict)
    timeout: int = 60

    def role_arn(self, partition: str) -> str:
        return f"arn:{partition}:iam::{self.account}:role/{self.role_name}"


def function_zip() -> bytes:
    """The deployment package: the one module, at a fixed time (the same bytes every build, so
    the CodeSha256 AWS reports tells whether the deployed code is ours)."""
    source = resource_path("rotation", "lambda_function.py").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("lambda_function.py", date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        archive.writestr(info, source)
    return buffer.getvalue()


def code_sha256(package: bytes) -> str:
    """Lambda's CodeSha256: the base64 of the package's SHA-256."""
    import base64

    return base64.b64encode(hashlib.sha256(package).digest()).decode()


def rotation_function_spec(config: Config) -> RotationFunctionSpec | None:
    rotation = config.rotation
    if not rotation.lambda_function:
        return None
    org = config.organisation
    partition, account = org.partition, org.iam_account_id
    arn = rotation.lambda_function
    region = arn.split(":")[3] if arn.startswith("arn:") else org.region
    name = rotation.function_name
    parameter = rotation.vault_secret_id_parameter
    parameter_arn = f"arn:{partition}:ssm:{region}:{account}:parameter/{parameter.lstrip('/')}"
    users = [f"arn:{partition}:iam::{account}:user/{u}" for u in config.vault.users]
    logs = f"arn:{partition}:logs:{region}:{account}"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RotateTheBreakGlassUsers",
                "Effect": "Allow",
                "Action": list(IAM_ACTIONS),
                "Resource": users,
            },
            {
                "Sid": "ReadTheVaultSecretId",
                "Effect": "Allow",
                "Action": "ssm:GetParameter",
                "Resource": parameter_arn,
            },
            {
                "Sid": "DecryptOnlyThatParameter",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": f"arn:{partition}:kms:{region}:{account}:key/*",
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": f"ssm.{region}.amazonaws.com",
                        "kms:EncryptionContext:PARAMETER_ARN": parameter_arn,
                    }
                },
            },
            {
                "Sid": "ItsOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{logs}:log-group:/aws/lambda/{name}:*",
            },
        ],
    }
    vault = config.vault
    environment = {
        "BREAKGLASS_USERS": ",".join(vault.users),
        "VAULT_ADDR": vault.address,
        "VAULT_ROLE_ID": rotation.vault_role_id,
        "VAULT_SECRET_ID_PARAMETER": parameter,
        "VAULT_KV_MOUNT": vault.kv_mount,
        "VAULT_KV_PREFIX": vault.kv_path_prefix,
    }
    if vault.namespace:
        environment["VAULT_NAMESPACE"] = vault.namespace
    if vault.ca_bundle:  # a private CA: Lambda's environment holds 4 KB in all (quotas page)
        from pathlib import Path

        environment["VAULT_CACERT_PEM"] = Path(vault.ca_bundle).read_text()
    return RotationFunctionSpec(
        account=account,
        region=region,
        name=name,
        role_name=f"{name}-role"[:64],
        role_policy=policy,
        environment=environment,
        timeout=min(900, rotation.lambda_timeout_seconds),
    )


ROTATION_POLICY_NAME = "rotate-the-break-glass-users"


def rotation_function_changes(
    spec: RotationFunctionSpec | None, partition: str, sessions: AdminSessions
) -> list[Change]:
    """The plan for the function and its role: create what is missing, mend what differs."""
    if spec is None:
        return []
    iam = sessions.client("iam", spec.account)
    lam = sessions.client("lambda", spec.account, spec.region)
    out: list[Change] = []
    if exists(lambda: iam.get_role(RoleName=spec.role_name), "NoSuchEntity") is None:
        out.append(
            Change(
                spec.account,
                f"iam role {spec.role_name}",
                "create",
                "the rotation function's execution role (Lambda may assume it)",
                partial(
                    iam.create_role,
                    RoleName=spec.role_name,
                    AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST),
                ),
            )
        )
    out += inline_policy(
        iam,
        spec.account,
        "role",
        spec.role_name,
        ROTATION_POLICY_NAME,
        spec.role_policy,
        "rotate the break-glass users only; read its one SSM parameter",
    )
    package = function_zip()
    settings = {
        "Role": spec.role_arn(partition),
        "Handler": HANDLER,
        "Runtime": RUNTIME,
        "Timeout": spec.timeout,
        "Environment": {"Variables": spec.environment},
    }
    deployed = exists(lambda: lam.get_function(FunctionName=spec.name), "ResourceNotFoundException")
    if deployed is None:
        create = partial(
            lam.create_function, FunctionName=spec.name, Code={"ZipFile": package}, **settings
        )
        out.append(
            Change(
                spec.account,
                f"lambda {spec.name}",
                "create",
                "the reference rotation function",
                lambda: while_iam_propagates(create, errors=role_not_yet_assumable),
            )
        )
        return out
    config = deployed["Configuration"]
    if config.get("CodeSha256") != code_sha256(package):
        out.append(
            Change(
                spec.account,
                f"lambda {spec.name} code",
                "update",
                "the shipped rotation function",
                partial(lam.update_function_code, FunctionName=spec.name, ZipFile=package),
            )
        )
    have = {
        "Role": config.get("Role"),
        "Handler": config.get("Handler"),
        "Runtime": config.get("Runtime"),
        "Timeout": config.get("Timeout"),
        "Environment": {"Variables": (config.get("Environment") or {}).get("Variables", {})},
    }
    if have != settings:
        out.append(
            Change(
                spec.account,
                f"lambda {spec.name} configuration",
                "update",
                "role, handler, runtime, timeout and environment as the config says",
                partial(lam.update_function_configuration, FunctionName=spec.name, **settings),
            )
        )
    return out
