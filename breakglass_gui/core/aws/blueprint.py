"""The seed's "Implementation details" as data, derived from the configuration (docs/rules.md §9).

One blueprint feeds readiness (audit), render-cfn (CloudFormation) and provision (boto3), so the
three can never disagree. Policies and metric-filter patterns are the seed's, byte for byte;
the trust policy (the seed's "TBD") trusts only the two break-glass users, requires MFA and
allows `sts:SetSourceIdentity` and `sts:TagSession`, which the procedure uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from breakglass_gui.core.aws.anchor_bucket import AnchorSpec
from breakglass_gui.core.aws.rotation_function import RotationFunctionSpec, rotation_function_spec
from breakglass_gui.core.config import Config

# The seed's metric-filter patterns, exactly as written there.
USER_LOGIN_PATTERN = (
    '{ ($.eventName = "ConsoleLogin") && ($.userIdentity.type = "IAMUser") && '
    '($.userIdentity.userName = "break-glass-user") }'
)
ROLE_ASSUMPTION_PATTERN = (
    '{ ($.eventName = "AssumeRole") && '
    '($.requestParameters.roleArn = "arn:aws:iam::*:role/a-tmpl-prod-rol-break-glass") }'
)
# Why an alarm cannot fire during a normal incident, by its filter's pattern: the procedure
# signs the IAM user in to nothing — it calls STS with the user's access key and opens the
# console through a federated *role* session — so the seed's user-login filter (a ConsoleLogin
# by the IAM user) guards against the password being used directly, outside the procedure.
NOT_TRIGGERED_BY_THE_PROCEDURE = {
    USER_LOGIN_PATTERN: "not expected to fire: the procedure never signs the IAM user in to the "
    "console (it uses the access key and a federated role session); this alarm catches the "
    "password being used outside the procedure",
}
METRIC_NAMESPACE = "BreakGlass"
ASSUME_POLICY_NAME = "a-tmpl-prod-pol-break-glass-assume"
ADMIN_POLICY_NAME = "a-tmpl-prod-pol-break-glass-admin"
TRAIL_LOGS_ROLE = "a-tmpl-prod-rol-break-glass-cloudtrail-logs"


def trail_bucket_policy(bucket_arn: Any, write_arn: Any, trail_arn: Any) -> dict[str, Any]:
    """What CloudTrail needs on its S3 bucket (ARNs as strings, or CloudFormation intrinsics).

    An organisation trail writes under `AWSLogs/<organisation id>/<account>/` as well as
    `AWSLogs/<account>/`, so `write_arn` is `AWSLogs/*`, held to this one trail by
    `aws:SourceArn` (CloudTrail User Guide, "Amazon S3 bucket policy for CloudTrail": the
    organisation-trail statement, and the SourceArn condition against the confused deputy)."""
    service = {"Service": "cloudtrail.amazonaws.com"}
    only_this_trail = {"aws:SourceArn": trail_arn}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": service,
                "Action": "s3:GetBucketAcl",
                "Resource": bucket_arn,
                "Condition": {"StringEquals": only_this_trail},
            },
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": service,
                "Action": "s3:PutObject",
                "Resource": write_arn,
                "Condition": {
                    "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **only_this_trail}
                },
            },
        ],
    }


TRAIL_LOGS_TRUST: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def trail_logs_policy(log_group_arn: Any) -> dict[str, Any]:
    """Lets CloudTrail write into the log group."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": log_group_arn,
            }
        ],
    }


@dataclass(frozen=True)
class UserSpec:
    name: str
    assume_policy: dict[str, Any]

    def arn(self, partition: str, account: str) -> str:
        return f"arn:{partition}:iam::{account}:user/{self.name}"


@dataclass(frozen=True)
class RoleSpec:
    account: str
    name: str
    admin_policy: dict[str, Any]
    trust_policy: dict[str, Any]
    max_session_duration: int


@dataclass(frozen=True)
class StackSetSpec:
    """The member accounts' role as one StackSet with service-managed permissions
    (core/aws/stackset.py): created in `admin_account` (the management account, or a
    delegated administrator with `call_as` DELEGATED_ADMIN), deployed to `targets` (OU paths or
    ids) in one region (IAM is global), and to accounts that join those OUs later."""

    admin_account: str
    region: str
    name: str
    targets: tuple[str, ...]
    call_as: str


@dataclass(frozen=True)
class MetricFilterSpec:
    name: str
    pattern: str
    metric_name: str


@dataclass(frozen=True)
class AlarmSpec:
    name: str
    metric_name: str


@dataclass(frozen=True)
class MonitoringSpec:
    account: str
    region: str
    log_group: str
    trail_name: str
    trail_bucket: str
    filters: tuple[MetricFilterSpec, ...]
    alarms: tuple[AlarmSpec, ...]

    def expected_silent(self) -> dict[str, str]:
        """Alarms this procedure cannot trigger, with why (NOT_TRIGGERED_BY_THE_PROCEDURE)."""
        patterns = {f.metric_name: f.pattern for f in self.filters}
        return {
            a.name: NOT_TRIGGERED_BY_THE_PROCEDURE[patterns[a.metric_name]]
            for a in self.alarms
            if patterns.get(a.metric_name) in NOT_TRIGGERED_BY_THE_PROCEDURE
        }

    def trail_arn(self, partition: str) -> str:
        return f"arn:{partition}:cloudtrail:{self.region}:{self.account}:trail/{self.trail_name}"

    def log_group_arn(self, partition: str) -> str:
        return f"arn:{partition}:logs:{self.region}:{self.account}:log-group:{self.log_group}"


@dataclass(frozen=True)
class TopicSpec:
    account: str
    region: str
    name: str
    arn: str
    subscriptions: tuple[tuple[str, str], ...]  # (protocol, endpoint)


@dataclass(frozen=True)
class Blueprint:
    partition: str
    iam_account: str
    users: tuple[UserSpec, ...]
    roles: tuple[RoleSpec, ...]
    monitoring: MonitoringSpec
    topic: TopicSpec
    anchor: AnchorSpec | None = None  # the checkpoints' bucket (core/aws/anchor_bucket.py)
    member_role: str = "OrganizationAccountAccessRole"  # how readiness/provision reach members
    rotation: RotationFunctionSpec | None = None  # the reference rotation function, if used
    stackset: StackSetSpec | None = None  # member roles by StackSet, not account by account

    def role(self, account: str) -> RoleSpec:
        return next(r for r in self.roles if r.account == account)


def _subscription(item: str) -> tuple[str, str]:
    if item.startswith("https://"):
        return "https", item
    protocol, _, endpoint = item.partition(":")
    return protocol, endpoint


# What the procedure's AssumeRole needs, in the users' policy and in the role's trust policy.
ASSUME_ACTIONS = ("sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession")


def build_blueprint(config: Config, accounts: Sequence[str] | None = None) -> Blueprint:
    """The blueprint for `config`; its roles are for the IAM account and `accounts` (default:
    every account of the config's account directory, core/directory.py)."""
    if accounts is None:
        from breakglass_gui.core.registry import directory

        accounts = [a.id for a in directory(config).accounts()]
    org = config.organisation
    partition = org.partition
    role_name = config.role.name
    users = tuple(
        UserSpec(
            name=name,
            assume_policy={
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        # A cross-account AssumeRole that sets a source identity and session tags
                        # needs all three in the caller's own policy as well as in the role's trust
                        # policy (IAM User Guide, "Pass session tags in AWS STS" → "Permissions
                        # required to add session tags"; "Monitor and control actions taken with
                        # assumed roles" → "Permissions required to set source identity").
                        "Action": list(ASSUME_ACTIONS),
                        "Resource": [f"arn:{partition}:iam::*:role/{role_name}"],
                    }
                ],
            },
        )
        for name in config.vault.users
    )
    admin = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": [u.arn(partition, org.iam_account_id) for u in users]},
                "Action": list(ASSUME_ACTIONS),
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }
    roles = tuple(
        RoleSpec(a, role_name, admin, trust, config.role.max_session_duration)
        for a in dict.fromkeys([org.iam_account_id, *accounts])
    )
    provisioning = config.provisioning
    stackset = (
        StackSetSpec(
            org.iam_account_id,
            org.region,
            provisioning.stackset_name,
            provisioning.stackset_targets,
            provisioning.stackset_call_as,
        )
        if provisioning.stackset_targets
        else None
    )
    names = config.monitoring.alarm_names
    filters = (
        MetricFilterSpec(
            "a-tmpl-prod-mf-break-glass-user-login", USER_LOGIN_PATTERN, "BreakGlassUserLogin"
        ),
        MetricFilterSpec(
            "a-tmpl-prod-mf-break-glass-role-assumption",
            ROLE_ASSUMPTION_PATTERN,
            "BreakGlassRoleAssumption",
        ),
    )
    alarms = tuple(AlarmSpec(name, f.metric_name) for name, f in zip(names, filters, strict=False))
    log_account = config.log_account_id
    monitoring = MonitoringSpec(
        account=log_account,
        region=config.log_region,
        log_group=config.monitoring.log_group,
        trail_name=config.monitoring.trail_name,
        trail_bucket=f"a-tmpl-prod-s3-break-glass-trail-{log_account}",
        filters=filters,
        alarms=alarms,
    )
    topic_arn = config.notifications.sns_topic_arn
    topic = TopicSpec(
        account=config.notifications.account_id,
        region=config.notifications.region,
        name=topic_arn.split(":")[5],
        arn=topic_arn,
        subscriptions=tuple(_subscription(s) for s in config.notifications.subscriptions),
    )
    anchor = AnchorSpec(
        log_account,
        config.log_region,
        config.anchor_bucket,
        config.anchor.prefix,
        config.anchor.retention_days,
    )
    return Blueprint(
        partition,
        org.iam_account_id,
        users,
        roles,
        monitoring,
        topic,
        anchor=anchor,
        member_role=config.provisioning.member_role,
        rotation=rotation_function_spec(config),
        stackset=stackset,
    )
