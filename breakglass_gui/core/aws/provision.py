"""`main.py provision --plan|--apply` (docs/rules.md §9): create or update the blueprint through
boto3.

Idempotent by construction: `plan()` reads what exists and lists only the differences, each
with the call that mends it; `apply()` reads each part the same way just before it runs that
part's changes. A second apply therefore finds nothing to do, and `--plan` says so. The drill
environment is provisioned by this same code.

Independent parts run side by side (PARALLEL threads): every account's role, the monitoring,
the topic are read at once for the plan and changed at once by apply, each part's own changes
in order. Only two orderings matter and are kept: the users come first (the roles' trust
policies name them; IAM refuses a trust policy naming a principal that does not exist) and the
alarms last (their actions name the topic). Against real AWS, where a call takes ~100 ms, an
organisation's plan costs about one account's, not their sum (docs/rules.md §16).

Not provisioned, on purpose: MFA devices and the users' credentials. A hardware MFA device is
enrolled by a person, and the initial keys and password go straight into Vault (the drill does
both for its simulated users); readiness checks that they are in place.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from breakglass_gui.core.aws import anchor_bucket, stackset
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
from breakglass_gui.core.aws.changes import (
    AdminSessions,
    Change,
    canonical_policy,
    exists,
    inline_policy,
    while_iam_propagates,
)
from breakglass_gui.core.aws.rotation_function import rotation_function_changes

PARALLEL = 8  # parts read and changed side by side; botocore clients are thread-safe


def _each(parts: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run independent parts on a thread pool; results in order, the first error raised."""
    if len(parts) <= 1:
        return [part() for part in parts]
    with ThreadPoolExecutor(min(PARALLEL, len(parts)), thread_name_prefix="provision") as pool:
        return list(pool.map(lambda part: part(), parts))


def _run_in_order(changes: list[Change]) -> None:
    for change in changes:
        change.run()


def _plan_and_run(part: Callable[[], list[Change]]) -> list[Change]:
    changes = part()
    _run_in_order(changes)
    return changes


class Provisioner:
    def __init__(self, blueprint: Blueprint, sessions: AdminSessions) -> None:
        self.bp = blueprint
        self.sessions = sessions

    def _middle(self) -> list[Callable[[], list[Change]]]:
        """The parts that need the users and nothing else of each other: each role, the
        monitoring, the topic, the anchor, the rotation function."""
        return [
            *self._role_parts(),
            self._monitoring,
            self._topic,
            self._anchor,
            self._rotation_function,
        ]

    def plan(self) -> list[Change]:
        """Every part read side by side; the changes in dependency order."""
        parts = _each([self._users, *self._middle(), self._alarms])
        return [change for part in parts for change in part]

    def apply(self, once_users_exist: Callable[[], object] | None = None) -> list[Change]:
        """The users first; then each other part read and changed, side by side; the alarms
        last. Each part's changes are planned from what exists just before they are made.

        `once_users_exist` runs beside the other parts as soon as the users exist: whatever
        needs only the users (the drill enrols their MFA devices and keys and fills its Vault
        there) need not wait for the rest."""
        users = self._users()
        _run_in_order(users)
        beside = [once_users_exist] if once_users_exist is not None else []
        done = _each([*beside, *(partial(_plan_and_run, part) for part in self._middle())])
        middle = done[len(beside) :]
        alarms = self._alarms()
        _run_in_order(alarms)
        return [*users, *(change for part in middle for change in part), *alarms]

    def _anchor(self) -> list[Change]:
        if self.bp.anchor is None:
            return []
        return anchor_bucket.changes(self.bp.anchor, self.bp.partition, self.sessions)

    def _rotation_function(self) -> list[Change]:
        return rotation_function_changes(self.bp.rotation, self.bp.partition, self.sessions)

    # ----- IAM account ----------------------------------------------------------------------

    def _users(self) -> list[Change]:
        iam = self.sessions.client("iam", self.bp.iam_account)
        out: list[Change] = []
        for user in self.bp.users:
            name = user.name
            if exists(partial(iam.get_user, UserName=name), "NoSuchEntity") is None:
                out.append(
                    Change(
                        self.bp.iam_account,
                        f"iam user {name}",
                        "create",
                        "break-glass user",
                        partial(iam.create_user, UserName=name),
                    )
                )
            out += inline_policy(
                iam,
                self.bp.iam_account,
                "user",
                name,
                ASSUME_POLICY_NAME,
                user.assume_policy,
                "assume the break-glass role, with source identity and session tags",
            )
        return out

    # ----- every account ----------------------------------------------------------------------

    def _role_parts(self) -> list[Callable[[], list[Change]]]:
        """One StackSet for the member accounts (core/aws/stackset.py), plus the IAM account's
        role when it is the management account (no StackSet reaches that one); without a
        StackSet, each account's role directly."""
        if self.bp.stackset is None:
            return [partial(self._role, role.account) for role in self.bp.roles]
        org = self.sessions.client("organizations", self.bp.iam_account)
        management = org.describe_organization()["Organization"].get("MasterAccountId")
        direct = [partial(self._role, self.bp.iam_account)]
        return [*(direct if management == self.bp.iam_account else []), self._stackset]

    def _stackset(self) -> list[Change]:
        return stackset.changes(self.bp, self.sessions)

    def _role(self, account: str) -> list[Change]:
        spec = self.bp.role(account)
        iam = self.sessions.client("iam", account)
        trust = canonical_policy(spec.trust_policy)
        out: list[Change] = []
        role = exists(lambda: iam.get_role(RoleName=spec.name), "NoSuchEntity")
        if role is None:
            out.append(
                Change(
                    account,
                    f"iam role {spec.name}",
                    "create",
                    "trusts the two break-glass users with MFA",
                    lambda: iam.create_role(
                        RoleName=spec.name,
                        AssumeRolePolicyDocument=trust,
                        MaxSessionDuration=spec.max_session_duration,
                        Description="Break-glass emergency access (LLD001-003)",
                    ),
                )
            )
        else:
            current = role["Role"]
            if canonical_policy(current["AssumeRolePolicyDocument"]) != trust:
                out.append(
                    Change(
                        account,
                        f"iam role {spec.name} trust policy",
                        "update",
                        "trust only the break-glass users, MFA required",
                        lambda: iam.update_assume_role_policy(
                            RoleName=spec.name, PolicyDocument=trust
                        ),
                    )
                )
            if current.get("MaxSessionDuration") != spec.max_session_duration:
                out.append(
                    Change(
                        account,
                        f"iam role {spec.name} MaxSessionDuration",
                        "update",
                        f"{current.get('MaxSessionDuration')} → {spec.max_session_duration}",
                        lambda: iam.update_role(
                            RoleName=spec.name, MaxSessionDuration=spec.max_session_duration
                        ),
                    )
                )
        out += inline_policy(
            iam,
            account,
            "role",
            spec.name,
            ADMIN_POLICY_NAME,
            spec.admin_policy,
            "* on * when aws:MultiFactorAuthPresent (seed)",
        )
        return out

    # ----- monitoring account -----------------------------------------------------------------

    def _monitoring(self) -> list[Change]:
        m = self.bp.monitoring
        logs = self.sessions.client("logs", m.account, m.region)
        s3 = self.sessions.client("s3", m.account, m.region)
        iam = self.sessions.client("iam", m.account)
        cloudtrail = self.sessions.client("cloudtrail", m.account, m.region)
        out: list[Change] = []
        groups = logs.describe_log_groups(logGroupNamePrefix=m.log_group)["logGroups"]
        existing: dict[str, Any] = {}
        if not any(g["logGroupName"] == m.log_group for g in groups):
            # Changes run in order: the filters and the trail below come after the group.
            out.append(
                Change(
                    m.account,
                    f"log group {m.log_group}",
                    "create",
                    "CloudTrail delivers here (seed)",
                    lambda: logs.create_log_group(logGroupName=m.log_group),
                )
            )
        else:
            existing = {
                f["filterName"]: f
                for f in logs.describe_metric_filters(logGroupName=m.log_group)["metricFilters"]
            }
        for spec in m.filters:
            current = existing.get(spec.name)
            if current is None or current.get("filterPattern") != spec.pattern:
                out.append(
                    Change(
                        m.account,
                        f"metric filter {spec.name}",
                        "create" if current is None else "update",
                        "the seed's pattern, byte for byte",
                        partial(
                            logs.put_metric_filter,
                            logGroupName=m.log_group,
                            filterName=spec.name,
                            filterPattern=spec.pattern,
                            metricTransformations=[
                                {
                                    "metricName": spec.metric_name,
                                    "metricNamespace": METRIC_NAMESPACE,
                                    "metricValue": "1",
                                    "defaultValue": 0,
                                }
                            ],
                        ),
                    )
                )
        out += self._trail(m, s3, iam, cloudtrail)
        return out

    def _trail(self, m: Any, s3: Any, iam: Any, cloudtrail: Any) -> list[Change]:
        out: list[Change] = []
        partition = self.bp.partition
        if exists(lambda: s3.head_bucket(Bucket=m.trail_bucket), "404", "NoSuchBucket") is None:
            out.append(
                Change(
                    m.account,
                    f"s3 bucket {m.trail_bucket}",
                    "create",
                    "CloudTrail's required S3 destination",
                    lambda: _create_trail_bucket(s3, m, partition),
                )
            )
        if exists(lambda: iam.get_role(RoleName=TRAIL_LOGS_ROLE), "NoSuchEntity") is None:
            out.append(
                Change(
                    m.account,
                    f"iam role {TRAIL_LOGS_ROLE}",
                    "create",
                    "lets CloudTrail write to the log group",
                    lambda: _create_trail_role(iam, m, partition),
                )
            )
        role_arn = f"arn:{partition}:iam::{m.account}:role/{TRAIL_LOGS_ROLE}"
        group_arn = m.log_group_arn(partition) + ":*"
        trails = cloudtrail.describe_trails(trailNameList=[m.trail_name])["trailList"]
        if not trails:
            out.append(
                Change(
                    m.account,
                    f"trail {m.trail_name}",
                    "create",
                    f"organisation, multi-region, delivering to {m.log_group}",
                    lambda: while_iam_propagates(
                        lambda: cloudtrail.create_trail(
                            Name=m.trail_name,
                            S3BucketName=m.trail_bucket,
                            IsMultiRegionTrail=True,
                            IsOrganizationTrail=True,
                            EnableLogFileValidation=True,
                            IncludeGlobalServiceEvents=True,
                            CloudWatchLogsLogGroupArn=group_arn,
                            CloudWatchLogsRoleArn=role_arn,
                        )
                    ),
                )
            )
            logging = False
        else:
            if not trails[0].get("IsOrganizationTrail"):
                out.append(
                    Change(
                        m.account,
                        f"trail {m.trail_name}",
                        "update",
                        "make it an organisation trail (member accounts' activity)",
                        lambda: cloudtrail.update_trail(
                            Name=m.trail_name, IsOrganizationTrail=True
                        ),
                    )
                )
            if not trails[0].get("LogFileValidationEnabled"):
                out.append(
                    Change(
                        m.account,
                        f"trail {m.trail_name}",
                        "update",
                        "turn log file validation on (signed digest files)",
                        lambda: cloudtrail.update_trail(
                            Name=m.trail_name, EnableLogFileValidation=True
                        ),
                    )
                )
            if trails[0].get("CloudWatchLogsLogGroupArn") != group_arn:
                out.append(
                    Change(
                        m.account,
                        f"trail {m.trail_name}",
                        "update",
                        f"deliver to {m.log_group}",
                        lambda: while_iam_propagates(
                            lambda: cloudtrail.update_trail(
                                Name=m.trail_name,
                                CloudWatchLogsLogGroupArn=group_arn,
                                CloudWatchLogsRoleArn=role_arn,
                            )
                        ),
                    )
                )
            logging = bool(cloudtrail.get_trail_status(Name=m.trail_name).get("IsLogging"))
        if not logging:
            out.append(
                Change(
                    m.account,
                    f"trail {m.trail_name} logging",
                    "enable",
                    "start logging",
                    lambda: cloudtrail.start_logging(Name=m.trail_name),
                )
            )
        return out

    # ----- notifications and alarms -----------------------------------------------------------

    def _topic(self) -> list[Change]:
        t = self.bp.topic
        sns = self.sessions.client("sns", t.account, t.region)
        attributes = exists(
            lambda: sns.get_topic_attributes(TopicArn=t.arn), "NotFound", "NotFoundException"
        )
        out: list[Change] = []
        present: set[tuple[str, str]] = set()
        if attributes is None:
            out.append(
                Change(
                    t.account,
                    f"sns topic {t.name}",
                    "create",
                    "alarm and procedure notifications (seed)",
                    lambda: sns.create_topic(Name=t.name),
                )
            )
        else:
            present = {
                (s["Protocol"], s["Endpoint"])
                for s in sns.list_subscriptions_by_topic(TopicArn=t.arn)["Subscriptions"]
            }
        out += [
            Change(
                t.account,
                f"sns subscription {protocol}:{endpoint}",
                "create",
                "the owner must confirm it",
                partial(sns.subscribe, TopicArn=t.arn, Protocol=protocol, Endpoint=endpoint),
            )
            for protocol, endpoint in t.subscriptions
            if (protocol, endpoint) not in present
        ]
        return out

    def _alarms(self) -> list[Change]:
        m = self.bp.monitoring
        cloudwatch = self.sessions.client("cloudwatch", m.account, m.region)
        names = [a.name for a in m.alarms]
        current = {
            a["AlarmName"]: a for a in cloudwatch.describe_alarms(AlarmNames=names)["MetricAlarms"]
        }
        out: list[Change] = []
        for spec in m.alarms:
            alarm = current.get(spec.name)
            ok = (
                alarm is not None
                and alarm.get("MetricName") == spec.metric_name
                and alarm.get("Namespace") == METRIC_NAMESPACE
                and self.bp.topic.arn in alarm.get("AlarmActions", [])
            )
            if not ok:
                out.append(
                    Change(
                        m.account,
                        f"alarm {spec.name}",
                        "create" if alarm is None else "update",
                        f"≥ 1 {spec.metric_name} in 60 s → {self.bp.topic.name}",
                        partial(
                            cloudwatch.put_metric_alarm,
                            AlarmName=spec.name,
                            AlarmDescription="Break-glass activity (LLD001-003)",
                            MetricName=spec.metric_name,
                            Namespace=METRIC_NAMESPACE,
                            Statistic="Sum",
                            Period=60,
                            EvaluationPeriods=1,
                            Threshold=1,
                            ComparisonOperator="GreaterThanOrEqualToThreshold",
                            TreatMissingData="notBreaching",
                            AlarmActions=[self.bp.topic.arn],
                        ),
                    )
                )
        return out


def _create_trail_bucket(s3: Any, m: Any, partition: str) -> None:
    kwargs: dict[str, Any] = {"Bucket": m.trail_bucket}
    if m.region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": m.region}
    s3.create_bucket(**kwargs)
    bucket_arn = f"arn:{partition}:s3:::{m.trail_bucket}"
    policy = trail_bucket_policy(bucket_arn, f"{bucket_arn}/AWSLogs/*", m.trail_arn(partition))
    s3.put_bucket_policy(Bucket=m.trail_bucket, Policy=json.dumps(policy))


def _create_trail_role(iam: Any, m: Any, partition: str) -> None:
    iam.create_role(RoleName=TRAIL_LOGS_ROLE, AssumeRolePolicyDocument=json.dumps(TRAIL_LOGS_TRUST))
    iam.put_role_policy(
        RoleName=TRAIL_LOGS_ROLE,
        PolicyName="deliver-to-log-group",
        PolicyDocument=json.dumps(trail_logs_policy(m.log_group_arn(partition) + ":log-stream:*")),
    )
