"""The member accounts' role through one StackSet (docs/rules.md §9, §16; core/aws/stackset.py).

What moto runs (first test): a service-managed StackSet on OU targets creates the role in the
member accounts of those OUs and of one level of child OUs, and nowhere else.
What moto does not have, so botocore's Stubber answers as the CloudFormation API reference
documents: AutoDeployment (moto does not store it), `OrganizationalUnitId` and `DriftStatus` in
instance summaries, failed or outdated instances, and asynchronous operations.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from breakglass_gui.core.aws import stackset
from breakglass_gui.core.aws.admin import ProfileSessions
from breakglass_gui.core.aws.blueprint import Blueprint, build_blueprint
from breakglass_gui.core.aws.provision import Provisioner
from breakglass_gui.core.config import parse_config
from breakglass_gui.drill.layout import IAM_ACCOUNT, REGION
from tests.fakes.world import config_data, moto_credentials

ROLE = "a-tmpl-prod-rol-break-glass"


def _blueprint(targets: list[str], accounts: tuple[str, ...] = ()) -> Blueprint:
    data = config_data(provisioning={"stackset_targets": targets})
    return build_blueprint(parse_config(data), accounts=accounts)


def test_moto_deploys_the_role_to_the_target_ous_only(monkeypatch: pytest.MonkeyPatch) -> None:
    moto_credentials(monkeypatch)
    with mock_aws():
        org = boto3.client("organizations", region_name="us-east-1")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        prod = org.create_organizational_unit(ParentId=root, Name="Production")
        prod_id = prod["OrganizationalUnit"]["Id"]
        pay = org.create_organizational_unit(ParentId=prod_id, Name="Payments")
        sandbox = org.create_organizational_unit(ParentId=root, Name="Sandbox")
        placed = {}
        for name, parent in (
            ("web", prod_id),
            ("payments", pay["OrganizationalUnit"]["Id"]),
            ("lab", sandbox["OrganizationalUnit"]["Id"]),
        ):
            account = org.create_account(Email=f"{name}@example.com", AccountName=name)
            account_id = account["CreateAccountStatus"]["AccountId"]
            org.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=parent)
            placed[name] = account_id
        sessions = ProfileSessions(
            boto3.session.Session(region_name=REGION),
            home_account=IAM_ACCOUNT,
            member_role="OrganizationAccountAccessRole",
            partition="aws",
            region=REGION,
        )
        bp = _blueprint(["Root/Production"], tuple(placed.values()))
        changes = Provisioner(bp, sessions).apply()
        described = [c.describe() for c in changes]
        # No loop over accounts: one StackSet, one set of instances; the IAM account (moto's
        # management account, which no StackSet reaches) gets its role directly.
        assert sum("stackset" in d for d in described) == 2
        assert not any(placed["web"] in d or placed["lab"] in d for d in described)

        def has_role(account: str) -> bool:
            iam = sessions.client("iam", account)
            return ROLE in {r["RoleName"] for r in iam.list_roles()["Roles"]}

        assert has_role(placed["web"]) and has_role(placed["payments"])  # OU and its child OU
        assert not has_role(placed["lab"])
        assert has_role(IAM_ACCOUNT)
        body = sessions.client("cloudformation", IAM_ACCOUNT, REGION).describe_stack_set(
            StackSetName=bp.stackset.name  # type: ignore[union-attr]
        )["StackSet"]
        assert body["PermissionModel"] == "SERVICE_MANAGED"
        template = json.loads(body["TemplateBody"])
        assert template["Resources"]["BreakGlassRole"]["Properties"]["RoleName"] == ROLE


class _Sessions:
    """Administrator clients whose answers a Stubber gives (what moto lacks)."""

    def __init__(self) -> None:
        make = {"aws_access_key_id": "x", "aws_secret_access_key": "y"}
        self.cf = boto3.client("cloudformation", region_name=REGION, **make)  # type: ignore[call-overload]
        self.org = boto3.client("organizations", region_name="us-east-1", **make)  # type: ignore[call-overload]
        self.cf_stub, self.org_stub = Stubber(self.cf), Stubber(self.org)

    def client(self, service: str, account: str, region: str | None = None) -> Any:
        return self.cf if service == "cloudformation" else self.org


def _deployed(bp: Blueprint, **changes: Any) -> dict[str, Any]:
    assert bp.stackset is not None
    return {
        "StackSet": {
            "StackSetName": bp.stackset.name,
            "PermissionModel": "SERVICE_MANAGED",
            "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": False},
            "TemplateBody": stackset.template_body(bp),
            **changes,
        }
    }


def _instance(account: str, ou: str = "ou-abcd-11111111", **fields: Any) -> dict[str, Any]:
    return {
        "Account": account,
        "Region": REGION,
        "OrganizationalUnitId": ou,
        "Status": "CURRENT",
        "StackInstanceStatus": {"DetailedStatus": "SUCCEEDED"},
        "DriftStatus": "IN_SYNC",
        **fields,
    }


def test_a_deployed_stackset_plans_no_change() -> None:
    bp = _blueprint(["ou-abcd-11111111"])
    s = _Sessions()
    s.cf_stub.add_response("describe_stack_set", _deployed(bp))
    s.cf_stub.add_response("list_stack_instances", {"Summaries": [_instance("210000000001")]})
    with s.cf_stub, s.org_stub:
        assert stackset.changes(bp, s) == []


def test_an_old_template_auto_deployment_off_and_a_new_ou_are_planned() -> None:
    bp = _blueprint(["ou-abcd-11111111", "Root/Sandbox"])
    s = _Sessions()
    s.cf_stub.add_response(
        "describe_stack_set",
        _deployed(bp, TemplateBody="{}", AutoDeployment={"Enabled": False}),
    )
    s.cf_stub.add_response("list_stack_instances", {"Summaries": [_instance("210000000001")]})
    s.org_stub.add_response("list_roots", {"Roots": [{"Id": "r-abcd", "Name": "Root"}]})
    s.org_stub.add_response(
        "list_organizational_units_for_parent",
        {"OrganizationalUnits": [{"Id": "ou-abcd-22222222", "Name": "Sandbox"}]},
        {"ParentId": "r-abcd"},
    )
    with s.cf_stub, s.org_stub:
        planned = stackset.changes(bp, s)
    assert [(c.action, c.detail) for c in planned] == [
        ("update", "template"),
        ("create", f"deploy to Root/Sandbox in {REGION}"),
    ]


def test_apply_waits_for_the_operation_and_names_the_accounts_that_failed() -> None:
    bp = _blueprint(["ou-abcd-11111111"])
    assert bp.stackset is not None
    s = _Sessions()
    for status in ("RUNNING", "FAILED"):
        s.cf_stub.add_response(
            "describe_stack_set_operation",
            {"StackSetOperation": {"OperationId": "op-1", "Status": status}},
            {"StackSetName": bp.stackset.name, "OperationId": "op-1", "CallAs": "SELF"},
        )
    s.cf_stub.add_response(
        "list_stack_set_operation_results",
        {
            "Summaries": [
                {"Account": "210000000001", "Status": "SUCCEEDED"},
                {
                    "Account": "210000000002",
                    "Status": "FAILED",
                    "StatusReason": "Role already exists",
                },
            ]
        },
        {"StackSetName": ANY, "OperationId": "op-1", "CallAs": "SELF"},
    )
    slept: list[float] = []
    with s.cf_stub, pytest.raises(stackset.StackSetError) as failed:
        stackset.wait_for(s.cf, bp.stackset, "op-1", sleep=slept.append)
    assert "210000000002 (Role already exists)" in failed.value.message
    assert "210000000001" not in failed.value.message and slept == [2.0]


def test_readiness_lists_failed_outdated_and_drifted_instances() -> None:
    bp = _blueprint(["ou-abcd-11111111"])
    s = _Sessions()
    s.cf_stub.add_response("describe_stack_set", _deployed(bp))
    s.cf_stub.add_response(
        "list_stack_instances",
        {
            "Summaries": [
                _instance("210000000001"),
                _instance(
                    "210000000002",
                    Status="OUTDATED",
                    StatusReason="ResourceLogicalId:BreakGlassRole, ResourceStatusReason:denied",
                    StackInstanceStatus={"DetailedStatus": "FAILED"},
                ),
                _instance("210000000003", DriftStatus="DRIFTED"),
            ]
        },
    )
    with s.cf_stub:
        rows = list(stackset.checks(bp, s))
    assert [(r.account, r.ok) for r in rows] == [
        ("123456789012", True),
        ("210000000002", False),
        ("210000000003", False),
    ]
    assert "OUTDATED/FAILED" in rows[1].reason and "denied" in rows[1].reason
    assert "drifted" in rows[2].reason


def test_readiness_fails_a_stackset_that_is_missing_or_would_miss_new_accounts() -> None:
    bp = _blueprint(["ou-abcd-11111111"])
    s = _Sessions()
    s.cf_stub.add_client_error(
        "describe_stack_set", "StackSetNotFoundException", "StackSet x not found"
    )
    s.cf_stub.add_response("describe_stack_set", _deployed(bp, AutoDeployment={"Enabled": False}))
    s.cf_stub.add_response("list_stack_instances", {"Summaries": []})
    with s.cf_stub:
        [missing] = list(stackset.checks(bp, s))
        manual, nowhere = list(stackset.checks(bp, s))
    assert not missing.ok and missing.reason == "StackSet missing"
    assert not manual.ok and "automatic deployment off" in manual.reason
    assert not nowhere.ok and "deployed nowhere" in nowhere.reason


def test_without_targets_roles_are_provisioned_account_by_account() -> None:
    bp = _blueprint([], ("210000000001",))
    assert bp.stackset is None and [r.account for r in bp.roles] == [IAM_ACCOUNT, "210000000001"]
