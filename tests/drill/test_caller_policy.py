"""The drill's STS refuses what AWS refuses and moto grants: an AssumeRole that sets a source
identity or session tags when the caller's own policy does not allow sts:SetSourceIdentity or
sts:TagSession (IAM User Guide, "Pass session tags in AWS STS" → "Permissions required to add
session tags"). The drill's users get all three from the blueprint; the seed's policy
(sts:AssumeRole alone) is refused in AWS's words."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from breakglass_gui.core.aws.errors import classify
from breakglass_gui.drill.caller_policy import required_actions
from breakglass_gui.drill.environment import DrillEnvironment
from breakglass_gui.drill.layout import IAM_ACCOUNT, MEMBERS
from tests.fakes.drill_clients import drill_client, user_client

ROLE_ARN = f"arn:aws:iam::{MEMBERS[0]}:role/a-tmpl-prod-rol-break-glass"
TAGS = [{"Key": "incident", "Value": "BG-20300101-ABCD"}]


@pytest.fixture
def drill() -> Iterator[DrillEnvironment]:
    env = DrillEnvironment().start().unseal()
    yield env
    env.stop()


def _mfa_session(env: DrillEnvironment) -> Any:
    assert env.config is not None
    user = env.config.vault.default_user
    sts = user_client(env, "sts", user)
    code = env.mfa_code(user)
    creds = sts.get_session_token(SerialNumber=env.serials[user], TokenCode=code)["Credentials"]
    return drill_client(env, "sts", creds)


def _seed_policy_only(env: DrillEnvironment) -> None:
    assert env.admin is not None and env.config is not None
    env.admin.client("iam", IAM_ACCOUNT).put_user_policy(
        UserName=env.config.vault.default_user,
        PolicyName="a-tmpl-prod-pol-break-glass-assume",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
            }
        ),
    )


def test_the_blueprint_users_may_set_source_identity_and_tags(drill: DrillEnvironment) -> None:
    sts = _mfa_session(drill)
    assumed = sts.assume_role(
        RoleArn=ROLE_ARN, RoleSessionName="BG-20300101-ABCD", SourceIdentity="drill-operator",
        Tags=TAGS,
    )  # fmt: skip
    assert assumed["Credentials"]["AccessKeyId"]


@pytest.mark.parametrize(
    ("extra", "action"),
    [
        ({"SourceIdentity": "drill-operator", "Tags": TAGS}, "sts:SetSourceIdentity"),
        ({"Tags": TAGS}, "sts:TagSession"),
    ],
)
def test_the_seed_policy_alone_is_refused_as_aws_refuses_it(
    drill: DrillEnvironment, extra: dict[str, Any], action: str
) -> None:
    sts = _mfa_session(drill)
    _seed_policy_only(drill)
    with pytest.raises(ClientError) as raised:
        sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="BG-20300101-ABCD", **extra)
    error = raised.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    user = drill.config.vault.default_user  # type: ignore[union-attr]
    assert error["Message"] == (
        f"User: arn:aws:iam::{IAM_ACCOUNT}:user/{user} is not authorized to perform: {action} "
        f"on resource: {ROLE_ARN}"
    )
    assert classify(raised.value).code == "aws.tags_denied"
    plain = sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="BG-20300101-ABCD")
    assert plain["Credentials"]["AccessKeyId"]  # AssumeRole itself is allowed


def test_what_each_request_needs() -> None:
    assert required_actions({"RoleArn": ROLE_ARN}) == ["sts:AssumeRole"]
    assert required_actions({"SourceIdentity": "op", "Tags.member.1.Key": "incident"}) == [
        "sts:AssumeRole",
        "sts:SetSourceIdentity",
        "sts:TagSession",
    ]
    assert required_actions({"SourceIdentity": ""}) == ["sts:AssumeRole"]
