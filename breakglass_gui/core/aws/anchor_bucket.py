"""The anchor bucket (docs/rules.md §5.4): provisioned, rendered as CloudFormation and checked
by readiness from one spec; and the service control policy that keeps the break-glass role
away from the evidence (the anchor, the trail and its bucket, the topic, the log group).

Rules from AWS: Object Lock is enabled when the bucket is created (S3 API, CreateBucket
`ObjectLockEnabledForBucket`, which also turns versioning on); a default retention needs a mode
and a period in days or years (PutObjectLockConfiguration); in compliance mode no user,
including the root user, can overwrite or delete a locked version or shorten its retention
(S3 User Guide, "Object Lock retention modes"). A delete without a version id only adds a
delete marker, which `verify --anchor` lists.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from breakglass_gui.core.aws.changes import AdminSessions, Change, canonical_policy, exists
from breakglass_gui.core.aws.checks import PROVISION_FIX, Check, error_code

# What nobody may do to the anchor (the bucket policy): delete versions, change locks and legal
# holds, turn versioning or Object Lock down, expire versions by lifecycle, delete the bucket.
DENIED_TO_ALL = (
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
    "s3:BypassGovernanceRetention",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketVersioning",
    "s3:PutLifecycleConfiguration",
    "s3:DeleteBucket",
)


@dataclass(frozen=True)
class AnchorSpec:
    account: str
    region: str
    bucket: str
    prefix: str
    retention_days: int

    def arn(self, partition: str) -> str:
        return f"arn:{partition}:s3:::{self.bucket}"


def anchor_bucket_policy(bucket_arn: Any) -> dict[str, Any]:
    """Deny, to everyone, what would remove or unlock a checkpoint. (No `aws:SecureTransport`
    statement: the app only speaks HTTPS, and moto, which judges the drill's requests by that
    key, takes them for plain HTTP and would refuse every write.)"""
    objects = {"Fn::Sub": "${AnchorBucket.Arn}/*"} if isinstance(bucket_arn, dict) else None
    resources = [bucket_arn, objects or f"{bucket_arn}/*"]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "NoOneRemovesOrUnlocksACheckpoint",
                "Effect": "Deny",
                "Principal": "*",
                "Action": list(DENIED_TO_ALL),
                "Resource": resources,
            },
        ],
    }


def lock_configuration(spec: AnchorSpec) -> dict[str, Any]:
    return {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": spec.retention_days}},
    }


def changes(spec: AnchorSpec, partition: str, sessions: AdminSessions) -> list[Change]:
    s3 = sessions.client("s3", spec.account, spec.region)
    out: list[Change] = []
    present = exists(lambda: s3.head_bucket(Bucket=spec.bucket), "404", "NoSuchBucket")
    if present is None:
        out.append(
            Change(
                spec.account,
                f"s3 bucket {spec.bucket}",
                "create",
                f"the anchor: Object Lock, compliance mode, {spec.retention_days} days",
                lambda: _create(s3, spec, partition),
            )
        )
        return out
    policy = exists(lambda: s3.get_bucket_policy(Bucket=spec.bucket), "NoSuchBucketPolicy")
    wanted = anchor_bucket_policy(spec.arn(partition))
    if policy is None or canonical_policy(json.loads(policy["Policy"])) != canonical_policy(wanted):
        out.append(
            Change(
                spec.account,
                f"s3 bucket policy {spec.bucket}",
                "update",
                "deny deleting versions and changing locks, legal holds and versioning",
                lambda: s3.put_bucket_policy(Bucket=spec.bucket, Policy=json.dumps(wanted)),
            )
        )
    return out


def _create(s3: Any, spec: AnchorSpec, partition: str) -> None:
    kwargs: dict[str, Any] = {"Bucket": spec.bucket, "ObjectLockEnabledForBucket": True}
    if spec.region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": spec.region}
    s3.create_bucket(**kwargs)
    s3.put_object_lock_configuration(
        Bucket=spec.bucket, ObjectLockConfiguration=lock_configuration(spec)
    )
    s3.put_public_access_block(
        Bucket=spec.bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_policy(
        Bucket=spec.bucket, Policy=json.dumps(anchor_bucket_policy(spec.arn(partition)))
    )


def checks(spec: AnchorSpec, partition: str, sessions: AdminSessions) -> Iterator[Check]:
    s3 = sessions.client("s3", spec.account, spec.region)
    name = f"anchor bucket {spec.bucket}"
    try:
        lock = s3.get_object_lock_configuration(Bucket=spec.bucket)["ObjectLockConfiguration"]
    except Exception as exc:
        code = error_code(exc)
        if code in ("NoSuchBucket", "404"):
            yield Check(name, spec.account, False, "the bucket is missing", PROVISION_FIX)
            return
        if code != "ObjectLockConfigurationNotFoundError":
            raise
        lock = {}
    retention = lock.get("Rule", {}).get("DefaultRetention", {})
    days = int(retention.get("Days", 0)) or int(retention.get("Years", 0)) * 365
    ok = (
        lock.get("ObjectLockEnabled") == "Enabled"
        and retention.get("Mode") == "COMPLIANCE"
        and days >= spec.retention_days
    )
    reason = (
        ""
        if ok
        else f"Object Lock {lock.get('ObjectLockEnabled', 'off')}, default retention "
        f"{retention.get('Mode', 'none')} {days} days (wanted COMPLIANCE ≥ {spec.retention_days})"
    )
    fix = "" if ok else "a new bucket with Object Lock (it cannot be turned off once on)"
    yield Check(f"{name} Object Lock (compliance)", spec.account, ok, reason, fix)
    versioning = s3.get_bucket_versioning(Bucket=spec.bucket).get("Status", "")
    yield Check(
        f"{name} versioning",
        spec.account,
        versioning == "Enabled",
        "" if versioning == "Enabled" else f"versioning is {versioning or 'off'}",
        "" if versioning == "Enabled" else PROVISION_FIX,
    )
    policy = exists(lambda: s3.get_bucket_policy(Bucket=spec.bucket), "NoSuchBucketPolicy")
    denied: set[str] = set()
    for statement in json.loads(policy["Policy"])["Statement"] if policy else []:
        if statement.get("Effect") == "Deny" and statement.get("Principal") in ("*", {"AWS": "*"}):
            actions = statement.get("Action", [])
            denied |= {actions} if isinstance(actions, str) else set(actions)
    missing = [a for a in DENIED_TO_ALL if a not in denied and "s3:*" not in denied]
    yield Check(
        f"{name} policy denies deletes and lock changes",
        spec.account,
        not missing,
        f"not denied: {', '.join(missing)}" if missing else "",
        PROVISION_FIX if missing else "",
    )


def cfn_resources(spec: AnchorSpec) -> dict[str, Any]:
    return {
        "AnchorBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BucketName": spec.bucket,
                "ObjectLockEnabled": True,
                "ObjectLockConfiguration": lock_configuration(spec),
                "VersioningConfiguration": {"Status": "Enabled"},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
            },
        },
        "AnchorBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "AnchorBucket"},
                "PolicyDocument": anchor_bucket_policy({"Fn::GetAtt": ["AnchorBucket", "Arn"]}),
            },
        },
    }


def guard_scp(
    partition: str, role_name: str, spec: AnchorSpec, trail_bucket: str, topic_arn: str
) -> dict[str, Any]:
    """A service control policy for the organisation: the break-glass role, admin everywhere
    else, cannot touch the evidence of its own use. Attach it at the root (or the OUs with the
    role) from the management account; `render-cfn` writes it, nothing applies it."""
    role = {"ArnLike": {"aws:PrincipalArn": f"arn:{partition}:iam::*:role/{role_name}"}}
    buckets = [f"arn:{partition}:s3:::{b}" for b in (spec.bucket, trail_bucket)]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "BreakGlassRoleLeavesTheAnchorAndTrailBucketsAlone",
                "Effect": "Deny",
                "Action": [*DENIED_TO_ALL, "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
                "Resource": [*buckets, *(f"{b}/*" for b in buckets)],
                "Condition": role,
            },
            {
                "Sid": "BreakGlassRoleLeavesTheTrailAlone",
                "Effect": "Deny",
                "Action": [
                    "cloudtrail:StopLogging",
                    "cloudtrail:DeleteTrail",
                    "cloudtrail:UpdateTrail",
                    "cloudtrail:PutEventSelectors",
                ],
                "Resource": "*",
                "Condition": role,
            },
            {
                "Sid": "BreakGlassRoleLeavesTheTopicAlone",
                "Effect": "Deny",
                "Action": [
                    "sns:DeleteTopic",
                    "sns:SetTopicAttributes",
                    "sns:Subscribe",
                    "sns:Unsubscribe",
                    "sns:AddPermission",
                    "sns:RemovePermission",
                ],
                "Resource": topic_arn,
                "Condition": role,
            },
        ],
    }
