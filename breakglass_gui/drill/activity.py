"""The CloudTrail activity simulator: realistic records for the incident's sessions.

For each session it writes what CloudTrail would: the `AssumeRole` that created it, a
`ConsoleLogin` through the federation endpoint, some reads, a few writes, one high-risk call and
one denied call — into the log group (as CloudTrail's CloudWatch Logs delivery does) and into
the store that answers the drill's `LookupEvents`.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from breakglass_gui.drill.aws_server import lookup_page

_ACTIONS: tuple[tuple[str, str, bool, dict[str, Any]], ...] = (
    # (event source, event name, read only, extra fields)
    ("ec2.amazonaws.com", "DescribeInstances", True, {}),
    ("s3.amazonaws.com", "ListBuckets", True, {}),
    ("monitoring.amazonaws.com", "GetMetricData", True, {}),
    (
        "ec2.amazonaws.com",
        "RebootInstances",
        False,
        {"requestParameters": {"instancesSet": {"items": [{"instanceId": "i-0a1b2c3d4e5f60718"}]}}},
    ),
    (
        "lambda.amazonaws.com",
        "UpdateFunctionConfiguration20150331v2",
        False,
        {"requestParameters": {"functionName": "payments-api"}},
    ),
    (
        "iam.amazonaws.com",
        "AttachRolePolicy",
        False,
        {
            "requestParameters": {
                "roleName": "payments-api-role",
                "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
            }
        },
    ),
    (
        "organizations.amazonaws.com",
        "LeaveOrganization",
        False,
        {
            "errorCode": "AccessDenied",
            "errorMessage": "You don't have permissions to access this resource.",
        },
    ),
)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ActivitySimulator:
    def __init__(self, logs: Any, log_group: str, region: str, partition: str = "aws") -> None:
        self._logs = logs
        self._group = log_group
        self._region = region
        self._partition = partition
        self._records: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def all_records(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r for records in self._records.values() for r in records]

    def lookup(self, account: str, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            records = list(self._records.get(account, []))
        return lookup_page(records, request)

    def simulate(
        self,
        *,
        incident: str,
        operator: str,
        role_name: str,
        user: str,
        iam_account: str,
        accounts: list[str],
        since: float,
    ) -> list[dict[str, Any]]:
        """Write one incident's activity in each account, timed between `since` (the sessions
        were issued) and now; returns the records written."""
        now = time.time()
        step = max(0.001, (now - since) / (len(_ACTIONS) + 3))
        written: list[dict[str, Any]] = []
        for index, account in enumerate(accounts):
            base = since + 2 * step + index * step / 10
            role_arn = f"arn:{self._partition}:iam::{account}:role/{role_name}"
            session_arn = (
                f"arn:{self._partition}:sts::{account}:assumed-role/{role_name}/{incident}"
            )
            identity = {
                "type": "AssumedRole",
                "principalId": f"AROADRILL{index}:{incident}",
                "arn": session_arn,
                "accountId": account,
                "sessionContext": {
                    "sourceIdentity": operator,
                    "sessionIssuer": {
                        "type": "Role",
                        "arn": role_arn,
                        "accountId": account,
                        "userName": role_name,
                    },
                    "attributes": {
                        "creationDate": _iso(base - 2 * step),
                        "mfaAuthenticated": "true",
                    },
                },
            }
            written.append(
                self._assume_role(
                    account, base - 2 * step, role_arn, incident, operator, user, iam_account
                )
            )
            written.append(
                self._record(
                    account,
                    base - step,
                    "signin.amazonaws.com",
                    "ConsoleLogin",
                    False,
                    identity,
                    {"responseElements": {"ConsoleLogin": "Success"}},
                )
            )
            for offset, (source, name, read_only, extra) in enumerate(_ACTIONS):
                written.append(
                    self._record(
                        account,
                        base + offset * step / len(accounts),
                        source,
                        name,
                        read_only,
                        identity,
                        extra,
                    )
                )
        self._deliver(written)
        return written

    def _record(
        self,
        account: str,
        epoch: float,
        source: str,
        name: str,
        read_only: bool,
        identity: dict[str, Any],
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        return {
            "eventVersion": "1.10",
            "userIdentity": identity,
            "eventTime": _iso(epoch),
            "eventSource": source,
            "eventName": name,
            "awsRegion": self._region,
            "sourceIPAddress": "198.51.100.23",
            "userAgent": "Mozilla/5.0 (drill)",
            "requestParameters": None,
            "responseElements": None,
            "requestID": str(uuid.uuid4()),
            "eventID": str(uuid.uuid4()),
            "readOnly": read_only,
            "eventType": "AwsConsoleSignIn" if name == "ConsoleLogin" else "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": account,
            "eventCategory": "Management",
            "_epoch": epoch,
            **extra,
        }

    def record_assume_role(
        self,
        *,
        account: str,
        role_name: str,
        session_name: str,
        source_identity: str,
        user: str,
        iam_account: str,
    ) -> dict[str, Any]:
        """What CloudTrail writes for one AssumeRole of the role (a session opened without
        the app, in a test of `audit-trail`)."""
        role_arn = f"arn:{self._partition}:iam::{account}:role/{role_name}"
        record = self._assume_role(
            account, time.time(), role_arn, session_name, source_identity, user, iam_account
        )
        self._deliver([record])
        return record

    def _assume_role(
        self,
        account: str,
        epoch: float,
        role_arn: str,
        session_name: str,
        source_identity: str,
        user: str,
        iam_account: str,
    ) -> dict[str, Any]:
        return self._record(
            account,
            epoch,
            "sts.amazonaws.com",
            "AssumeRole",
            False,
            {
                "type": "IAMUser",
                "arn": f"arn:{self._partition}:iam::{iam_account}:user/{user}",
                "accountId": iam_account,
                "userName": user,
                "sessionContext": {"attributes": {"mfaAuthenticated": "true"}},
            },
            {
                "requestParameters": {
                    "roleArn": role_arn,
                    "roleSessionName": session_name,
                    "sourceIdentity": source_identity,
                    "durationSeconds": 3600,
                }
            },
        )

    def _deliver(self, records: list[dict[str, Any]]) -> None:
        with self._lock:
            for record in records:
                self._records.setdefault(record["recipientAccountId"], []).append(record)
        by_stream: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            stream = f"{record['recipientAccountId']}_CloudTrail_{self._region}"
            by_stream.setdefault(stream, []).append(record)
        for stream, items in by_stream.items():
            with contextlib.suppress(self._logs.exceptions.ResourceAlreadyExistsException):
                self._logs.create_log_stream(logGroupName=self._group, logStreamName=stream)
            self._logs.put_log_events(
                logGroupName=self._group,
                logStreamName=stream,
                logEvents=[
                    {
                        "timestamp": int(r["_epoch"] * 1000),
                        "message": json.dumps(
                            {k: v for k, v in r.items() if not k.startswith("_")}
                        ),
                    }
                    for r in sorted(items, key=lambda r: r["_epoch"])
                ],
            )
