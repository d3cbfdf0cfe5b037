"""`main.py readiness` (docs/rules.md §9): audit live AWS, read-only, against the blueprint.

One row per check and account, each failure with its reason and the fix. A check that depends
on something missing (the role's policies when the role is absent) is not listed separately:
the missing thing is the one red row, with the fix that brings the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from breakglass_gui.core.aws import anchor_bucket, stackset
from breakglass_gui.core.aws.blueprint import (
    ADMIN_POLICY_NAME,
    ASSUME_ACTIONS,
    ASSUME_POLICY_NAME,
    Blueprint,
    RoleSpec,
)
from breakglass_gui.core.aws.changes import AdminSessions, canonical_policy, policy_document
from breakglass_gui.core.aws.checks import PROVISION_FIX, Check, error_code
from breakglass_gui.core.aws.reach import caller_check, member_access


def mfa_kind(serial: str) -> str:
    """What an IAM MFA device's serial says it is.

    STS takes a `SerialNumber` + `TokenCode` only from TOTP devices: "either the serial number
    for a hardware device (such as GAHT12345678) or an Amazon Resource Name (ARN) for a virtual
    device (such as arn:aws:iam::123456789012:mfa/user)" (STS API Reference, GetSessionToken
    and AssumeRole, `SerialNumber`). A FIDO security key (`arn:…:u2f/…`) signs a WebAuthn
    challenge in the console and has no code to type, so it cannot open a break-glass session
    (IAM User Guide, "Configure MFA-protected API access": only TOTP devices are supported).
    """
    if serial.startswith("arn:"):
        resource = serial.split(":", 5)[-1]
        if resource.startswith("mfa/"):
            return "virtual TOTP"
        if resource.startswith("u2f/"):
            return "FIDO security key"
        return "unknown"
    return "hardware TOTP"


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def _mfa_required(statement: dict[str, Any]) -> bool:
    condition = statement.get("Condition", {})
    return str(condition.get("Bool", {}).get("aws:MultiFactorAuthPresent", "")).lower() == "true"


class Readiness:
    def __init__(
        self,
        blueprint: Blueprint,
        sessions: AdminSessions,
        vault_probe: Callable[[], list[Check]] | None = None,
    ) -> None:
        self.bp = blueprint
        self.sessions = sessions
        self.vault_probe = vault_probe

    def run(self) -> list[Check]:
        checks: list[Check] = []
        self._unreachable: set[str] = set()
        try:
            caller, where = caller_check(self.bp, self.sessions)
            checks.append(caller)
        except Exception as exc:
            checks.append(
                Check(
                    "readiness profile identity",
                    "-",
                    False,
                    f"could not be read: {error_code(exc) or type(exc).__name__}",
                    "check the profile's credentials",
                )
            )
            return checks
        if where != self.bp.iam_account:
            return checks  # every other row would describe the wrong account
        producers = (
            self._member_access,
            self._users,
            self._roles,
            self._stackset,
            self._monitoring,
            self._alarms,
            self._topic,
            self._anchor,
        )
        for producer in producers:
            try:
                checks.extend(producer())
            except Exception as exc:
                checks.append(
                    Check(
                        producer.__name__.strip("_"),
                        "-",
                        False,
                        f"could not be read: {error_code(exc) or type(exc).__name__}",
                        "give the readiness profile read access (SecurityAudit)",
                    )
                )
        if self.vault_probe is not None:
            checks.extend(self.vault_probe())
        return checks

    def _member_access(self) -> Iterator[Check]:
        return member_access(self.bp, self.sessions, self._unreachable)

    # ----- users ----------------------------------------------------------------------------

    def _users(self) -> Iterator[Check]:
        account = self.bp.iam_account
        iam = self.sessions.client("iam", account)
        for user in self.bp.users:
            name = user.name
            try:
                iam.get_user(UserName=name)
            except Exception as exc:
                if error_code(exc) != "NoSuchEntity":
                    raise
                yield Check(
                    f"user {name} exists", account, False, "the user does not exist", PROVISION_FIX
                )
                continue
            yield Check(f"user {name} exists", account, True)
            devices = iam.list_mfa_devices(UserName=name)["MFADevices"]
            yield Check(
                f"user {name} MFA device enabled",
                account,
                bool(devices),
                "" if devices else "no MFA device is enabled",
                "" if devices else "enable the hardware MFA device kept in the safe",
            )
            if devices:
                yield self._totp(name, account, devices)
            try:
                iam.get_login_profile(UserName=name)
                profile = True
            except Exception as exc:
                if error_code(exc) != "NoSuchEntity":
                    raise
                profile = False
            yield Check(
                f"user {name} console password",
                account,
                profile,
                "" if profile else "no login profile (console password)",
                "" if profile else "create a password and store it in Vault",
            )
            keys = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
            active = [k for k in keys if k["Status"] == "Active"]
            yield Check(
                f"user {name} ≤ 1 active access key",
                account,
                len(active) <= 1,
                "" if len(active) <= 1 else f"{len(active)} active access keys",
                "" if len(active) <= 1 else "delete the key that is not in Vault",
            )
            yield self._assume_only(iam, account, name, user.assume_policy)

    def _totp(self, name: str, account: str, devices: list[dict[str, Any]]) -> Check:
        kinds = {
            str(d.get("SerialNumber", "")): mfa_kind(str(d.get("SerialNumber", "")))
            for d in devices
        }
        ok = any(kind.endswith("TOTP") for kind in kinds.values())
        found = ", ".join(sorted(set(kinds.values())))
        return Check(
            f"user {name} MFA device gives codes (TOTP)",
            account,
            ok,
            "" if ok else f"only {found}: STS takes codes from TOTP devices only",
            "" if ok else "add a hardware TOTP token or a virtual MFA device for this user",
        )

    def _assume_only(self, iam: Any, account: str, name: str, wanted: dict[str, Any]) -> Check:
        check = f"user {name} assume-only policy"
        try:
            current = iam.get_user_policy(UserName=name, PolicyName=ASSUME_POLICY_NAME)
        except Exception as exc:
            if error_code(exc) != "NoSuchEntity":
                raise
            return Check(
                check, account, False, f"inline policy {ASSUME_POLICY_NAME} missing", PROVISION_FIX
            )
        missing = sorted(set(ASSUME_ACTIONS) - _allowed_actions(current["PolicyDocument"]))
        if missing:
            return Check(
                check,
                account,
                False,
                f"does not allow {', '.join(missing)}: a cross-account AssumeRole that sets a "
                "source identity and session tags needs them in the user's own policy",
                PROVISION_FIX,
            )
        if canonical_policy(current["PolicyDocument"]) != canonical_policy(wanted):
            return Check(
                check, account, False, "the policy differs from the blueprint", PROVISION_FIX
            )
        attached = iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]
        others = [
            p
            for p in iam.list_user_policies(UserName=name)["PolicyNames"]
            if p not in (ASSUME_POLICY_NAME, "AWSRevokeOlderSessions")
        ]
        if attached or others:
            extra = [p["PolicyName"] for p in attached] + others
            return Check(
                check,
                account,
                False,
                f"other policies grant more: {', '.join(extra)}",
                "detach them: the user may only assume the break-glass role",
            )
        return Check(check, account, True)

    # ----- roles ----------------------------------------------------------------------------

    def _roles(self) -> Iterator[Check]:
        for spec in self.bp.roles:
            if spec.account not in self._unreachable:  # its row already says why
                yield from self._role(spec)

    def _role(self, spec: RoleSpec) -> Iterator[Check]:
        iam = self.sessions.client("iam", spec.account)
        try:
            role = iam.get_role(RoleName=spec.name)["Role"]
        except Exception as exc:
            if error_code(exc) != "NoSuchEntity":
                raise
            yield Check(
                f"role {spec.name}",
                spec.account,
                False,
                f"role missing in account {spec.account}",
                PROVISION_FIX,
            )
            return
        yield Check(f"role {spec.name}", spec.account, True)
        yield self._admin_policy(iam, spec)
        yield self._trust(role, spec)
        duration = role.get("MaxSessionDuration", 3600)
        ok = duration >= spec.max_session_duration
        yield Check(
            "role MaxSessionDuration",
            spec.account,
            ok,
            "" if ok else f"{duration} s, below the configured {spec.max_session_duration}",
            "" if ok else PROVISION_FIX,
        )

    def _admin_policy(self, iam: Any, spec: RoleSpec) -> Check:
        name = "role admin policy conditioned on MFA"
        try:
            current = policy_document(
                iam.get_role_policy(RoleName=spec.name, PolicyName=ADMIN_POLICY_NAME)[
                    "PolicyDocument"
                ]
            )
        except Exception as exc:
            if error_code(exc) != "NoSuchEntity":
                raise
            return Check(
                name,
                spec.account,
                False,
                f"inline policy {ADMIN_POLICY_NAME} missing",
                PROVISION_FIX,
            )
        allows = [s for s in _statements(current) if s.get("Effect") == "Allow"]
        if not allows or not all(_mfa_required(s) for s in allows):
            return Check(
                name,
                spec.account,
                False,
                "MFA condition absent: aws:MultiFactorAuthPresent is not required",
                PROVISION_FIX,
            )
        return Check(name, spec.account, True)

    def _trust(self, role: dict[str, Any], spec: RoleSpec) -> Check:
        name = "role trust policy"
        document = policy_document(role["AssumeRolePolicyDocument"])
        wanted = set(_as_list(spec.trust_policy["Statement"][0]["Principal"]["AWS"]))
        for statement in _statements(document):
            if statement.get("Effect") != "Allow":
                continue
            principal = statement.get("Principal")
            principals = set(
                _as_list(principal.get("AWS") if isinstance(principal, dict) else principal)
            )
            if "*" in principals:
                return Check(
                    name,
                    spec.account,
                    False,
                    "the trust policy allows any principal",
                    PROVISION_FIX,
                )
            if principals - wanted:
                return Check(
                    name,
                    spec.account,
                    False,
                    "trusts principals other than the break-glass users: "
                    + ", ".join(sorted(principals - wanted)),
                    PROVISION_FIX,
                )
            if not _mfa_required(statement):
                return Check(
                    name,
                    spec.account,
                    False,
                    "MFA condition absent from the trust policy",
                    PROVISION_FIX,
                )
        missing = set(ASSUME_ACTIONS) - _allowed_actions(document)
        if missing:
            return Check(
                name,
                spec.account,
                False,
                "does not allow " + ", ".join(sorted(missing)),
                PROVISION_FIX,
            )
        return Check(name, spec.account, True)

    # ----- monitoring -------------------------------------------------------------------------

    def _monitoring(self) -> Iterator[Check]:
        m = self.bp.monitoring
        logs = self.sessions.client("logs", m.account, m.region)
        groups = logs.describe_log_groups(logGroupNamePrefix=m.log_group)["logGroups"]
        if not any(g["logGroupName"] == m.log_group for g in groups):
            yield Check(
                f"log group {m.log_group}",
                m.account,
                False,
                "the log group is missing",
                PROVISION_FIX,
            )
            return
        yield Check(f"log group {m.log_group}", m.account, True)
        yield self._trail(m)
        filters = {
            f["filterName"]: f
            for f in logs.describe_metric_filters(logGroupName=m.log_group)["metricFilters"]
        }
        for spec in m.filters:
            current = filters.get(spec.name)
            if current is None:
                yield Check(
                    f"metric filter {spec.name}", m.account, False, "missing", PROVISION_FIX
                )
            elif current.get("filterPattern") != spec.pattern:
                yield Check(
                    f"metric filter {spec.name}",
                    m.account,
                    False,
                    f"metric filter pattern differs from the seed's: "
                    f"{current.get('filterPattern')!r}",
                    PROVISION_FIX,
                )
            else:
                yield Check(f"metric filter {spec.name}", m.account, True)

    def _trail(self, m: Any) -> Check:
        cloudtrail = self.sessions.client("cloudtrail", m.account, m.region)
        name = f"trail {m.trail_name} logging to {m.log_group}"
        trails = cloudtrail.describe_trails(trailNameList=[m.trail_name])["trailList"]
        if not trails:
            return Check(name, m.account, False, "the trail is missing", PROVISION_FIX)
        trail = trails[0]
        group = str(trail.get("CloudWatchLogsLogGroupArn", ""))
        # The first problem found is the row's reason, in this order. `LogFileValidationEnabled`
        # (DescribeTrails): without the signed digest files, a log file changed or deleted after
        # delivery cannot be shown to be so, and the record AWS keeps of every break-glass
        # session is what finds a use behind the app's back.
        problems = [
            (
                f":log-group:{m.log_group}:" not in group + ":",
                "the trail does not deliver to the log group",
                PROVISION_FIX,
            ),
            (
                not trail.get("IsOrganizationTrail"),
                "a single-account trail: member accounts' activity never reaches the log group",
                PROVISION_FIX,
            ),
            (
                not trail.get("LogFileValidationEnabled"),
                "log file validation is off: CloudTrail writes no signed digest files",
                f"aws cloudtrail update-trail --name {m.trail_name} --enable-log-file-validation",
            ),
        ]
        for found, reason, fix in problems:
            if found:
                return Check(name, m.account, False, reason, fix)
        if not cloudtrail.get_trail_status(Name=m.trail_name).get("IsLogging"):
            return Check(
                name,
                m.account,
                False,
                "trail not logging",
                f"aws cloudtrail start-logging --name {m.trail_name}",
            )
        return Check(name, m.account, True)

    def _alarms(self) -> Iterator[Check]:
        m = self.bp.monitoring
        cloudwatch = self.sessions.client("cloudwatch", m.account, m.region)
        found = {
            a["AlarmName"]: a
            for a in cloudwatch.describe_alarms(AlarmNames=[a.name for a in m.alarms])[
                "MetricAlarms"
            ]
        }
        for spec in m.alarms:
            alarm = found.get(spec.name)
            if alarm is None:
                yield Check(
                    f"alarm {spec.name}", m.account, False, "the alarm is missing", PROVISION_FIX
                )
            elif self.bp.topic.arn not in alarm.get("AlarmActions", []):
                yield Check(
                    f"alarm {spec.name}",
                    m.account,
                    False,
                    f"alarm has no SNS action to {self.bp.topic.name}",
                    PROVISION_FIX,
                )
            else:
                yield Check(f"alarm {spec.name}", m.account, True)

    def _stackset(self) -> Iterator[Check]:
        yield from stackset.checks(self.bp, self.sessions)

    def _anchor(self) -> Iterator[Check]:
        if self.bp.anchor is not None:
            yield from anchor_bucket.checks(self.bp.anchor, self.bp.partition, self.sessions)

    def _topic(self) -> Iterator[Check]:
        t = self.bp.topic
        sns = self.sessions.client("sns", t.account, t.region)
        try:
            sns.get_topic_attributes(TopicArn=t.arn)
        except Exception as exc:
            if error_code(exc) not in ("NotFound", "NotFoundException"):
                raise
            yield Check(
                f"sns topic {t.name}", t.account, False, "the topic is missing", PROVISION_FIX
            )
            return
        subscriptions = sns.list_subscriptions_by_topic(TopicArn=t.arn)["Subscriptions"]
        confirmed = [s for s in subscriptions if s["SubscriptionArn"].startswith("arn:")]
        pending = [s["Endpoint"] for s in subscriptions if s not in confirmed]
        ok = bool(confirmed)
        reason = (
            ""
            if ok
            else (
                f"subscription pending confirmation: {', '.join(pending)}"
                if pending
                else "the topic has no subscription"
            )
        )
        yield Check(
            f"sns topic {t.name} confirmed subscription",
            t.account,
            ok,
            reason,
            "" if ok else "confirm the subscription e-mail, or add an endpoint",
        )


def _allowed_actions(document: Any) -> set[str]:
    """The actions a policy's Allow statements name (as written: no wildcard expansion)."""
    return {
        a
        for s in _statements(policy_document(document))
        if s.get("Effect") == "Allow"
        for a in _as_list(s.get("Action"))
    }
