"""`main.py render-cfn --out DIR` (docs/rules.md §9): the blueprint as CloudFormation templates.

Four templates: the IAM-account stack (the two users and their assume-only policy), the
member-account role (the same template in every account), the StackSet that deploys it to the
organisation's OUs (service-managed, for the management account or a delegated administrator;
the same StackSet `provision --apply` creates, core/aws/stackset.py) and the monitoring stack
(trail bucket, log group, CloudTrail delivery, the seed's metric filters, alarms, SNS).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from breakglass_gui.core.aws import anchor_bucket
from breakglass_gui.core.aws.blueprint import (
    ADMIN_POLICY_NAME,
    ASSUME_POLICY_NAME,
    METRIC_NAMESPACE,
    TRAIL_LOGS_ROLE,
    TRAIL_LOGS_TRUST,
    Blueprint,
    trail_bucket_policy,
    trail_logs_policy,
)

VERSION = "2010-09-09"


def _logical(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-") if part)


def iam_account_template(bp: Blueprint) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for user in bp.users:
        resources[_logical(user.name)] = {
            "Type": "AWS::IAM::User",
            "Properties": {
                "UserName": user.name,
                "Policies": [
                    {"PolicyName": ASSUME_POLICY_NAME, "PolicyDocument": user.assume_policy}
                ],
            },
        }
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": VERSION,
        "Description": "Break glass (LLD001-003): the two break-glass IAM users. Enable their "
        "MFA devices by hand and store their credentials in Vault.",
        "Resources": resources,
        "Outputs": {
            f"{_logical(u.name)}Arn": {"Value": {"Fn::GetAtt": [_logical(u.name), "Arn"]}}
            for u in bp.users
        },
    }
    if bp.rotation is not None:
        _rotation_function(bp, template)
    return template


def _rotation_function(bp: Blueprint, template: dict[str, Any]) -> None:
    """The reference rotation function and its execution role. CloudFormation takes inline
    code only up to 4 KB (ZipFile), so the package `render-cfn` writes beside the templates
    (rotation-function.zip) is uploaded to S3 first and named by the two parameters."""
    from breakglass_gui.core.aws.rotation_function import (
        HANDLER,
        LAMBDA_TRUST,
        ROTATION_POLICY_NAME,
        RUNTIME,
    )

    spec = bp.rotation
    assert spec is not None
    template["Parameters"] = {
        "RotationCodeBucket": {"Type": "String", "Description": "S3 bucket of the package"},
        "RotationCodeKey": {"Type": "String", "Default": "rotation-function.zip"},
    }
    template["Resources"]["RotationFunctionRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": spec.role_name,
            "AssumeRolePolicyDocument": LAMBDA_TRUST,
            "Policies": [{"PolicyName": ROTATION_POLICY_NAME, "PolicyDocument": spec.role_policy}],
        },
    }
    template["Resources"]["RotationFunction"] = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "FunctionName": spec.name,
            "Role": {"Fn::GetAtt": ["RotationFunctionRole", "Arn"]},
            "Handler": HANDLER,
            "Runtime": RUNTIME,
            "Timeout": spec.timeout,
            "Code": {
                "S3Bucket": {"Ref": "RotationCodeBucket"},
                "S3Key": {"Ref": "RotationCodeKey"},
            },
            "Environment": {"Variables": spec.environment},
        },
    }
    template["Outputs"]["RotationFunctionArn"] = {
        "Value": {"Fn::GetAtt": ["RotationFunction", "Arn"]}
    }


def member_role_template(bp: Blueprint) -> dict[str, Any]:
    """StackSet-ready: no account-specific values; deploy it to every account."""
    spec = bp.roles[0]
    return {
        "AWSTemplateFormatVersion": VERSION,
        "Description": "Break glass (LLD001-003): the emergency role, for every account "
        "(deploy with a StackSet).",
        "Resources": {
            "BreakGlassRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": spec.name,
                    "AssumeRolePolicyDocument": spec.trust_policy,
                    "MaxSessionDuration": spec.max_session_duration,
                    "Policies": [
                        {"PolicyName": ADMIN_POLICY_NAME, "PolicyDocument": spec.admin_policy}
                    ],
                },
            }
        },
        "Outputs": {"RoleArn": {"Value": {"Fn::GetAtt": ["BreakGlassRole", "Arn"]}}},
    }


def stackset_template(bp: Blueprint) -> dict[str, Any]:
    """The member role's StackSet as a resource: service-managed, deployed to the OUs given as
    a parameter (OU ids: CloudFormation cannot resolve the config's OU paths), and automatically
    to accounts that join them."""
    spec = bp.stackset
    configured = [t for t in (spec.targets if spec else ()) if t.startswith(("ou-", "r-"))]
    ous: dict[str, Any] = {
        "Type": "CommaDelimitedList",
        "Description": "OU or root ids (ou-…, r-…) whose accounts get the break-glass role"
        + (f"; configured: {', '.join(spec.targets)}" if spec else ""),
    }
    if configured:
        ous["Default"] = ",".join(configured)
    name = spec.name if spec else "a-tmpl-prod-stackset-break-glass"
    return {
        "AWSTemplateFormatVersion": VERSION,
        "Description": "Break glass (LLD001-003): the emergency role in every account of the "
        "target OUs (deploy in the management account or a StackSets delegated administrator).",
        "Parameters": {"TargetOrganizationalUnitIds": ous},
        "Resources": {
            "BreakGlassRoleStackSet": {
                "Type": "AWS::CloudFormation::StackSet",
                "Properties": {
                    "StackSetName": name,
                    "Description": "Break glass (LLD001-003): the emergency role in every account",
                    "PermissionModel": "SERVICE_MANAGED",
                    "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": False},
                    "ManagedExecution": {"Active": True},
                    "CallAs": spec.call_as if spec else "SELF",
                    "Capabilities": ["CAPABILITY_NAMED_IAM"],
                    "OperationPreferences": {
                        "RegionConcurrencyType": "PARALLEL",
                        "MaxConcurrentPercentage": 100,
                        "FailureToleranceCount": 0,
                    },
                    "TemplateBody": json.dumps(member_role_template(bp), sort_keys=True),
                    "StackInstancesGroup": [
                        {
                            "DeploymentTargets": {
                                "OrganizationalUnitIds": {"Ref": "TargetOrganizationalUnitIds"}
                            },
                            "Regions": [spec.region if spec else bp.monitoring.region],
                        }
                    ],
                },
            }
        },
    }


def monitoring_template(bp: Blueprint) -> dict[str, Any]:
    m, t = bp.monitoring, bp.topic
    resources: dict[str, Any] = {
        "TrailBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BucketName": m.trail_bucket,
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                    ]
                },
            },
        },
        "TrailBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "TrailBucket"},
                "PolicyDocument": trail_bucket_policy(
                    {"Fn::GetAtt": ["TrailBucket", "Arn"]},
                    {"Fn::Sub": "${TrailBucket.Arn}/AWSLogs/*"},
                    {
                        "Fn::Sub": "arn:${AWS::Partition}:cloudtrail:${AWS::Region}:"
                        f"${{AWS::AccountId}}:trail/{m.trail_name}"
                    },
                ),
            },
        },
        "LogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {"LogGroupName": m.log_group, "RetentionInDays": 400},
        },
        "TrailLogsRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": TRAIL_LOGS_ROLE,
                "AssumeRolePolicyDocument": TRAIL_LOGS_TRUST,
                "Policies": [
                    {
                        "PolicyName": "deliver-to-log-group",
                        "PolicyDocument": trail_logs_policy({"Fn::GetAtt": ["LogGroup", "Arn"]}),
                    }
                ],
            },
        },
        "Trail": {
            "Type": "AWS::CloudTrail::Trail",
            "DependsOn": ["TrailBucketPolicy"],
            "Properties": {
                "TrailName": m.trail_name,
                "S3BucketName": {"Ref": "TrailBucket"},
                "IsLogging": True,
                "IsMultiRegionTrail": True,
                "IsOrganizationTrail": True,  # member accounts' activity reaches the log group
                "IncludeGlobalServiceEvents": True,
                "EnableLogFileValidation": True,
                "CloudWatchLogsLogGroupArn": {"Fn::GetAtt": ["LogGroup", "Arn"]},
                "CloudWatchLogsRoleArn": {"Fn::GetAtt": ["TrailLogsRole", "Arn"]},
            },
        },
        "Topic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": t.name,
                "Subscription": [{"Protocol": p, "Endpoint": e} for p, e in t.subscriptions],
            },
        },
    }
    for spec in m.filters:
        resources[_logical(spec.name)] = {
            "Type": "AWS::Logs::MetricFilter",
            "Properties": {
                "FilterName": spec.name,
                "LogGroupName": {"Ref": "LogGroup"},
                "FilterPattern": spec.pattern,
                "MetricTransformations": [
                    {
                        "MetricName": spec.metric_name,
                        "MetricNamespace": METRIC_NAMESPACE,
                        "MetricValue": "1",
                        "DefaultValue": 0,
                    }
                ],
            },
        }
    for alarm in m.alarms:
        resources[_logical(alarm.name)] = {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": alarm.name,
                "AlarmDescription": "Break-glass activity (LLD001-003)",
                "Namespace": METRIC_NAMESPACE,
                "MetricName": alarm.metric_name,
                "Statistic": "Sum",
                "Period": 60,
                "EvaluationPeriods": 1,
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "notBreaching",
                "AlarmActions": [{"Ref": "Topic"}],
            },
        }
    if bp.anchor is not None:
        resources.update(anchor_bucket.cfn_resources(bp.anchor))
    return {
        "AWSTemplateFormatVersion": VERSION,
        "Description": "Break glass (LLD001-003): CloudTrail to the break-glass log group, the "
        "seed's metric filters, alarms and the SNS topic; the anchor bucket (Object Lock).",
        "Resources": resources,
        "Outputs": {
            "TopicArn": {"Value": {"Ref": "Topic"}},
            "LogGroupArn": {"Value": {"Fn::GetAtt": ["LogGroup", "Arn"]}},
        },
    }


def render(bp: Blueprint, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, template in (
        ("iam-account.json", iam_account_template(bp)),
        ("member-role-stackset.json", member_role_template(bp)),
        ("stackset.json", stackset_template(bp)),
        ("monitoring.json", monitoring_template(bp)),
    ):
        path = out / name
        path.write_text(json.dumps(template, indent=2, sort_keys=False) + "\n", encoding="utf-8")
        written.append(path)
    if bp.anchor is not None:
        role_name = bp.roles[0].name if bp.roles else ""
        scp = anchor_bucket.guard_scp(
            bp.partition, role_name, bp.anchor, bp.monitoring.trail_bucket, bp.topic.arn
        )
        path = out / "scp-break-glass-guard.json"
        path.write_text(json.dumps(scp, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    if bp.rotation is not None:
        from breakglass_gui.core.aws.rotation_function import function_zip

        package = out / "rotation-function.zip"
        package.write_bytes(function_zip())
        written.append(package)
    return written
