"""readiness, render-cfn and provision from the command line (docs/rules.md §9, §11)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from breakglass_gui.cli import main
from breakglass_gui.core.aws.blueprint import (
    ADMIN_POLICY_NAME,
    ROLE_ASSUMPTION_PATTERN,
    build_blueprint,
)
from breakglass_gui.core.aws.checks import Check
from breakglass_gui.core.aws.provision import Provisioner
from breakglass_gui.core.aws.readiness import Readiness
from breakglass_gui.core.resources import resource_path
from breakglass_gui.drill.environment import DrillEnvironment
from breakglass_gui.drill.layout import IAM_ACCOUNT, MEMBERS, REGION

ROOT = Path(__file__).resolve().parents[1]
ROLE = "a-tmpl-prod-rol-break-glass"


@pytest.fixture
def drill() -> Iterator[DrillEnvironment]:
    env = DrillEnvironment().start().unseal()
    yield env
    env.stop()


def _audit(env: DrillEnvironment) -> list[Check]:
    assert env.config is not None and env.admin is not None
    return Readiness(build_blueprint(env.config), env.admin).run()


def _failed(checks: list[Check]) -> list[Check]:
    return [c for c in checks if not c.ok]


def test_readiness_drill_passes_from_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "readiness", "--drill"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 failed" in result.stdout


def _delete_role(env: DrillEnvironment) -> None:
    iam = env.admin.client("iam", MEMBERS[1])  # type: ignore[union-attr]
    iam.delete_role_policy(RoleName=ROLE, PolicyName=ADMIN_POLICY_NAME)
    iam.delete_role(RoleName=ROLE)


def _drop_mfa_condition(env: DrillEnvironment) -> None:
    env.admin.client("iam", MEMBERS[0]).put_role_policy(  # type: ignore[union-attr]
        RoleName=ROLE,
        PolicyName=ADMIN_POLICY_NAME,
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )


def _change_filter(env: DrillEnvironment) -> None:
    env.admin.client("logs", IAM_ACCOUNT).put_metric_filter(  # type: ignore[union-attr]
        logGroupName="a-tmpl-prod-cwgrp-break-glass",
        filterName="a-tmpl-prod-mf-break-glass-role-assumption",
        filterPattern=ROLE_ASSUMPTION_PATTERN.replace("AssumeRole", "AssumeRolE"),
        metricTransformations=[
            {
                "metricName": "BreakGlassRoleAssumption",
                "metricNamespace": "BreakGlass",
                "metricValue": "1",
            }
        ],
    )


def _remove_alarm_action(env: DrillEnvironment) -> None:
    env.admin.client("cloudwatch", IAM_ACCOUNT).put_metric_alarm(  # type: ignore[union-attr]
        AlarmName="a-tmpl-prod-alarm-break-glass-user-login",
        MetricName="BreakGlassUserLogin",
        Namespace="BreakGlass",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[],
    )


def _trust_anyone(env: DrillEnvironment) -> None:
    env.admin.client("iam", MEMBERS[2]).update_assume_role_policy(  # type: ignore[union-attr]
        RoleName=ROLE,
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
                        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                    }
                ],
            }
        ),
    )


def _seed_user_policy(env: DrillEnvironment) -> None:
    """The seed's user policy as written: sts:AssumeRole alone. AWS then refuses every
    cross-account session the procedure asks for (it sets a source identity and session tags)."""
    env.admin.client("iam", IAM_ACCOUNT).put_user_policy(  # type: ignore[union-attr]
        UserName="break-glass-user",
        PolicyName="a-tmpl-prod-pol-break-glass-assume",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Resource": ["arn:aws:iam::*:role/a-tmpl-prod-rol-break-glass"],
                    }
                ],
            }
        ),
    )


def _single_account_trail(env: DrillEnvironment) -> None:
    """A trail of the log account alone: the members' activity never reaches the log group."""
    env.admin.client("cloudtrail", IAM_ACCOUNT).update_trail(  # type: ignore[union-attr]
        Name="a-tmpl-prod-trail-break-glass", IsOrganizationTrail=False
    )


def _validation_off(env: DrillEnvironment) -> None:
    """Log file validation off: no signed digest files, so an altered log cannot be shown."""
    env.admin.client("cloudtrail", IAM_ACCOUNT).update_trail(  # type: ignore[union-attr]
        Name="a-tmpl-prod-trail-break-glass", EnableLogFileValidation=False
    )


def _fido_only(env: DrillEnvironment) -> None:
    """A FIDO security key in place of the TOTP device: the console accepts it, STS cannot."""
    iam = env.admin.client("iam", IAM_ACCOUNT)  # type: ignore[union-attr]
    for device in iam.list_mfa_devices(UserName="break-glass-user")["MFADevices"]:
        iam.deactivate_mfa_device(UserName="break-glass-user", SerialNumber=device["SerialNumber"])
    iam.enable_mfa_device(
        UserName="break-glass-user",
        SerialNumber=f"arn:aws:iam::{IAM_ACCOUNT}:u2f/user/break-glass-user/fidokey-ABCDEFGH",
        AuthenticationCode1="123456",
        AuthenticationCode2="234567",
    )


@pytest.mark.parametrize(
    ("break_it", "row", "account", "reason"),
    [
        (
            _single_account_trail,
            "trail a-tmpl-prod-trail-break-glass logging to a-tmpl-prod-cwgrp-break-glass",
            IAM_ACCOUNT,
            "a single-account trail",
        ),
        (
            _validation_off,
            "trail a-tmpl-prod-trail-break-glass logging to a-tmpl-prod-cwgrp-break-glass",
            IAM_ACCOUNT,
            "log file validation is off",
        ),
        (
            _fido_only,
            "user break-glass-user MFA device gives codes (TOTP)",
            IAM_ACCOUNT,
            "only FIDO security key: STS takes codes from TOTP devices only",
        ),
        (
            _seed_user_policy,
            "user break-glass-user assume-only policy",
            IAM_ACCOUNT,
            "does not allow sts:SetSourceIdentity, sts:TagSession: a cross-account AssumeRole",
        ),
        (_delete_role, f"role {ROLE}", MEMBERS[1], "role missing in account"),
        (
            _drop_mfa_condition,
            "role admin policy conditioned on MFA",
            MEMBERS[0],
            "MFA condition absent",
        ),
        (
            _change_filter,
            "metric filter a-tmpl-prod-mf-break-glass-role-assumption",
            IAM_ACCOUNT,
            "pattern differs from the seed's",
        ),
        (
            _remove_alarm_action,
            "alarm a-tmpl-prod-alarm-break-glass-user-login",
            IAM_ACCOUNT,
            "alarm has no SNS action",
        ),
        (_trust_anyone, "role trust policy", MEMBERS[2], "allows any principal"),
    ],
)
def test_each_seeded_misconfiguration_turns_exactly_its_row_red(
    seeded: list[DrillEnvironment],
    break_it: Callable[[DrillEnvironment], None],
    row: str,
    account: str,
    reason: str,
) -> None:
    drill = seeded[0]
    assert _failed(_audit(drill)) == []
    break_it(drill)
    failed = _failed(_audit(drill))
    assert [(c.name, c.account) for c in failed] == [(row, account)]
    assert reason in failed[0].reason
    assert failed[0].fix
    if break_it is _fido_only:  # MFA devices are enrolled by a person, never provisioned
        seeded[0].stop()
        seeded[0] = DrillEnvironment().start().unseal()
        return
    # `provision --apply` mends what was broken, and the next case starts from a clean world.
    assert drill.config is not None and drill.admin is not None
    assert Provisioner(build_blueprint(drill.config), drill.admin).apply() != []
    assert _failed(_audit(drill)) == []


@pytest.fixture(scope="module")
def seeded() -> Iterator[list[DrillEnvironment]]:
    """One world for the seeded misconfigurations, mended after each (a world each cost ~3 s)."""
    box = [DrillEnvironment().start().unseal()]
    yield box
    box[0].stop()


def test_render_cfn_templates_pass_cfn_lint(tmp_path: Path) -> None:
    """The example config with the rotation function switched on: its role and function are
    linted with the rest, and the package is written beside the templates."""
    text = resource_path("example-config.toml").read_text()
    text = text.replace("# lambda_function = ", "lambda_function = ").replace(
        "# vault_role_id = ", "vault_role_id = "
    )
    config = tmp_path / "config.toml"
    config.write_text(text)
    assert main(["--config", str(config), "render-cfn", "--out", str(tmp_path)]) == 0
    package = tmp_path / "rotation-function.zip"
    import zipfile

    assert zipfile.ZipFile(package).namelist() == ["lambda_function.py"]
    iam = json.loads((tmp_path / "iam-account.json").read_text())
    function = iam["Resources"]["RotationFunction"]["Properties"]
    assert function["Handler"] == "lambda_function.lambda_handler"
    assert function["Environment"]["Variables"]["VAULT_ROLE_ID"].startswith("5f1c0d5e")
    scp = json.loads((tmp_path / "scp-break-glass-guard.json").read_text())  # not CloudFormation
    assert {s["Sid"] for s in scp["Statement"]} >= {"BreakGlassRoleLeavesTheTrailAlone"}
    templates = sorted(p for p in tmp_path.glob("*.json") if not p.name.startswith("scp-"))
    assert [t.name for t in templates] == [
        "iam-account.json",
        "member-role-stackset.json",
        "monitoring.json",
        "stackset.json",
    ]
    anchor = json.loads((tmp_path / "monitoring.json").read_text())["Resources"]["AnchorBucket"]
    lock = anchor["Properties"]["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert lock == {"Mode": "COMPLIANCE", "Days": 400}
    lint = subprocess.run(
        [
            str(Path(sys.executable).parent / "cfn-lint"),
            "--regions",
            REGION,
            "--",
            *map(str, templates),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    monitoring = json.loads((tmp_path / "monitoring.json").read_text())
    patterns = {
        r["Properties"]["FilterPattern"]
        for r in monitoring["Resources"].values()
        if r["Type"] == "AWS::Logs::MetricFilter"
    }
    assert ROLE_ASSUMPTION_PATTERN in patterns


def test_provision_apply_twice_the_second_reports_no_changes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from moto import mock_aws

    from tests.fakes.world import moto_credentials

    moto_credentials(monkeypatch)
    # moto's credentials land in its default account: make that the IAM account.
    example = resource_path("example-config.toml").read_text()
    (tmp_path / "config.toml").write_text(example.replace("111111111111", IAM_ACCOUNT))
    config = str(tmp_path / "config.toml")
    with mock_aws():
        assert main(["--config", config, "provision", "--plan"]) == 0
        planned = capsys.readouterr().out
        assert main(["--config", config, "provision", "--apply"]) == 0
        applied = capsys.readouterr().out
        assert main(["--config", config, "provision", "--apply"]) == 0
        again = capsys.readouterr().out
        assert main(["--config", config, "provision", "--plan"]) == 0
        plan_after: Any = capsys.readouterr().out
    assert "change(s) planned" in planned
    assert "change(s) applied" in applied
    assert again.strip() == "no changes: AWS matches the blueprint"
    assert plan_after.strip() == "no changes: AWS matches the blueprint"


def test_the_rendered_users_and_roles_allow_what_a_cross_account_session_needs(
    tmp_path: Path,
) -> None:
    """The users' policy and the roles' trust policy both allow AssumeRole, SetSourceIdentity and
    TagSession (IAM User Guide, "Pass session tags in AWS STS": both sides must allow them)."""
    config = str(resource_path("example-config.toml"))
    assert main(["--config", config, "render-cfn", "--out", str(tmp_path)]) == 0
    three = ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]
    iam = json.loads((tmp_path / "iam-account.json").read_text())
    users = [r for r in iam["Resources"].values() if r["Type"] == "AWS::IAM::User"]
    assert len(users) == 2
    for user in users:
        (policy,) = user["Properties"]["Policies"]
        (statement,) = policy["PolicyDocument"]["Statement"]
        assert statement["Action"] == three
    member = json.loads((tmp_path / "member-role-stackset.json").read_text())
    roles = [r for r in member["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    (trust,) = roles[0]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == three


class Sessions:
    """The drill administrator's sessions, with one thing changed as a real deployment might."""

    def __init__(self, env: DrillEnvironment, replace: Callable[[str, str], Any | None]) -> None:
        self.env, self.replace = env, replace

    def client(self, service: str, account: str, region: str | None = None) -> Any:
        replaced = self.replace(service, account)
        if replaced is not None:
            return replaced
        return self.env.admin.client(service, account, region)  # type: ignore[union-attr]


def _audit_with(env: DrillEnvironment, replace: Callable[[str, str], Any | None]) -> list[Check]:
    assert env.config is not None
    return Readiness(build_blueprint(env.config), Sessions(env, replace)).run()


def test_a_profile_of_another_account_is_the_one_row_and_nothing_else_is_audited(
    drill: DrillEnvironment,
) -> None:
    elsewhere = drill.admin.client("sts", MEMBERS[0])  # type: ignore[union-attr]
    checks = _audit_with(
        drill,
        lambda service, account: elsewhere if (service, account) == ("sts", IAM_ACCOUNT) else None,
    )
    assert [(c.name, c.ok) for c in checks] == [("readiness profile is in the IAM account", False)]
    assert f"of account {MEMBERS[0]}" in checks[0].reason


def test_a_member_role_that_does_not_trust_the_iam_account_is_said_with_what_to_use(
    drill: DrillEnvironment,
) -> None:
    """What AWS answers when OrganizationAccountAccessRole is assumed from an account that is
    not the management account: AccessDenied on sts:AssumeRole (moto does not check trust)."""
    import boto3
    from botocore.exceptions import ClientError
    from botocore.stub import Stubber

    organizations = boto3.client(
        "organizations", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y"
    )
    stub = Stubber(organizations)
    stub.add_response(
        "describe_organization",
        {"Organization": {"Id": "o-exampleorgid", "MasterAccountId": "999999999999"}},
    )
    stub.activate()
    refused = ClientError(
        {"Error": {"Code": "AccessDenied", "Message": "not authorized to perform sts:AssumeRole"}},
        "AssumeRole",
    )

    def replace(service: str, account: str) -> Any | None:
        if service == "organizations":
            return organizations
        if account == MEMBERS[1]:
            raise refused  # as ProfileSessions raises when its AssumeRole is refused
        return None

    failed = _failed(_audit_with(drill, replace))
    assert [(c.name, c.account) for c in failed] == [
        ("OrganizationAccountAccessRole trusts the IAM account", IAM_ACCOUNT),
        ("member role OrganizationAccountAccessRole assumable", MEMBERS[1]),
    ]
    assert "trusts only the management account 999999999999" in failed[0].reason
    assert "AccessDenied" in failed[1].reason
    assert all("provisioning.member_role" in c.fix for c in failed)


@pytest.mark.parametrize(
    ("serial", "kind"),
    [
        ("arn:aws:iam::123456789012:mfa/break-glass-user", "virtual TOTP"),
        ("GAHT12345678", "hardware TOTP"),
        ("arn:aws:iam::123456789012:u2f/user/bg/fidosecuritykey-ABC", "FIDO security key"),
        ("arn:aws-us-gov:iam::123456789012:mfa/bg", "virtual TOTP"),
    ],
)
def test_mfa_devices_are_told_apart_by_their_serial(serial: str, kind: str) -> None:
    """STS API Reference, GetSessionToken `SerialNumber`: a hardware device's serial number
    (GAHT12345678) or a virtual device's ARN (arn:aws:iam::123456789012:mfa/user)."""
    from breakglass_gui.core.aws.readiness import mfa_kind

    assert mfa_kind(serial) == kind


def test_readiness_fails_while_authenticator_codes_are_accepted() -> None:
    """Issue 18, item 1: `totp` only where the config lists it, with a warning in readiness."""
    from breakglass_gui.admin_cli import approval_check
    from breakglass_gui.core.config import parse_config
    from tests.fakes.world import config_data

    with_codes = approval_check(parse_config(config_data(approvals={"methods": ["ssh", "totp"]})))
    assert not with_codes.ok and "keyring" in with_codes.reason
    data = config_data()
    del data["approvals"]
    signed_only = approval_check(parse_config(data))
    assert signed_only.ok and "ssh, fido2" in signed_only.name
