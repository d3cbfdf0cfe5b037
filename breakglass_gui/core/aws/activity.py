"""CloudTrail events of this incident: parsing, the incident match, high-risk flags, the store.

CloudTrail content is untrusted (anyone can put text in a resource name or a user agent): it is
parsed defensively, size-limited, and escaped by whoever renders it. The store deduplicates by
`eventID`, keeps newest first, and is what the GUI's table model wraps.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MAX_RAW_BYTES = 256 * 1024
_HIGH_RISK_SOURCES = (
    "iam.amazonaws.com",
    "sts.amazonaws.com",
    "kms.amazonaws.com",
    "organizations.amazonaws.com",
)
_READ_PREFIXES = (
    "Get",
    "List",
    "Describe",
    "Lookup",
    "Search",
    "Head",
    "Check",
    "Generate",
    "Simulate",
    "Decode",
    "Batch Get",
    "Select",
    "Scan",
    "Query",
)
_ALWAYS_HIGH = frozenset(
    {
        "StopLogging",
        "DeleteTrail",
        "PutBucketPolicy",
        "UpdateTrail",
        "PutEventSelectors",
        "DeleteFlowLogs",
        "DisableSecurityHub",
        "DeleteDetector",
        "PutBucketAcl",
        "ConsoleLogin",
    }
)
_ASSUMED = re.compile(r":assumed-role/(?P<role>[^/]+)/(?P<session>[^/]+)$")


_SENSITIVE_KEYS = frozenset(
    {
        "sessiontoken",
        "secretaccesskey",
        "signintoken",
        "password",
        "newpassword",
        "oldpassword",
        "privatekey",
        "secretstring",
    }
)


def _scrub(value: Any, depth: int = 0) -> Any:
    """Drop values CloudTrail may echo that are secrets (AssumeRole logs the session token)."""
    if depth > 40:
        return "[TRUNCATED]"
    if isinstance(value, dict):
        return {
            k: "[REDACTED]" if str(k).lower() in _SENSITIVE_KEYS else _scrub(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub(v, depth + 1) for v in value]
    return value


class ParseError(ValueError):
    """A record that is not a CloudTrail event; shown as such, never crashes the panel."""


@dataclass(frozen=True)
class ActivityEvent:
    event_id: str
    time: float
    account: str
    region: str
    source: str
    name: str
    resource: str
    source_ip: str
    error_code: str
    session_name: str
    source_identity: str
    role_name: str
    user_type: str
    user_name: str
    request_session_name: str
    read_only: bool
    raw: str  # compact JSON (memory: 100,000 events are kept); `pretty()` for display
    access_key_id: str = ""
    user_agent: str = ""
    actor: str = "operator"  # "app": one of the app's own calls (APP_CALLS), see `by_app`

    def pretty(self) -> str:
        return json.dumps(json.loads(self.raw), sort_keys=True, indent=2)

    @property
    def denied(self) -> bool:
        return (
            self.error_code
            in (
                "AccessDenied",
                "AccessDeniedException",
                "UnauthorizedOperation",
                "Client.UnauthorizedOperation",
            )
            or "AccessDenied" in self.error_code
        )

    @property
    def high_risk(self) -> bool:
        return bool(self.risk_reason)

    @property
    def risk_reason(self) -> str:
        if self.actor == "app":
            return ""  # the procedure's own revoke, rotate and polling: expected, journaled
        if self.denied:
            return "denied call"
        if self.name in _ALWAYS_HIGH and self.name != "ConsoleLogin":
            return f"{self.name} weakens detective controls or exposes data"
        if self.name.startswith("Delete"):
            return "deletes a resource"
        if self.name == "AssumeRole" and self.user_type == "IAMUser":
            return ""  # the break-glass user opening its own session: expected, journaled
        if self.source in _HIGH_RISK_SOURCES and not self.read_only:
            return f"write to {self.source.split('.')[0].upper()}"
        return ""

    def time_iso(self) -> str:
        return datetime.fromtimestamp(self.time, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def summary(self) -> dict[str, Any]:
        """The non-raw fields: what the journal keeps so nothing is lost if the machine dies."""
        return {
            "event_id": self.event_id,
            "time": self.time_iso(),
            "account": self.account,
            "region": self.region,
            "source": self.source,
            "name": self.name,
            "resource": self.resource,
            "source_ip": self.source_ip,
            "error_code": self.error_code,
            "session_name": self.session_name,
            "high_risk": self.risk_reason,
            "actor": self.actor,
        }

    def belongs_to(self, incident_id: str, operator: str, role_name: str, since: float) -> bool:
        """The client-side incident match, independent of any server-side filter pattern."""
        if incident_id in (self.session_name, self.request_session_name):
            return True
        return (
            self.source_identity == operator and self.role_name == role_name and self.time >= since
        )


def _text(value: Any, limit: int = 512) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text[:limit]


def _time(value: Any) -> float:
    if not isinstance(value, str):
        raise ParseError("eventTime is missing")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise ParseError(f"eventTime {value[:40]!r} is not a timestamp") from None


def _resource(record: dict[str, Any]) -> str:
    resources = record.get("resources")
    if isinstance(resources, list) and resources:
        first = resources[0]
        if isinstance(first, dict):
            return _text(first.get("ARN") or first.get("resourceName"))
    params = record.get("requestParameters")
    if isinstance(params, dict):
        for key in (
            "roleArn",
            "roleName",
            "userName",
            "bucketName",
            "name",
            "trailName",
            "logGroupName",
            "keyId",
            "functionName",
            "instanceId",
            "policyArn",
        ):
            if isinstance(params.get(key), str):
                return _text(params[key])
    return ""


def parse_record(record: str | bytes | dict[str, Any], *, account_hint: str = "") -> ActivityEvent:
    """One CloudTrail record (JSON text or dict) → ActivityEvent, or ParseError."""
    if isinstance(record, bytes | str):
        if len(record) > MAX_RAW_BYTES:
            raise ParseError("record larger than 256 KiB")
        try:
            data = json.loads(record)
        except (ValueError, RecursionError):
            raise ParseError("record is not JSON") from None
    else:
        data = record
    if not isinstance(data, dict):
        raise ParseError("record is not a JSON object")
    event_id = data.get("eventID")
    if not isinstance(event_id, str) or not event_id:
        raise ParseError("eventID is missing")
    identity = data.get("userIdentity") if isinstance(data.get("userIdentity"), dict) else {}
    assert isinstance(identity, dict)
    context = (
        identity.get("sessionContext") if isinstance(identity.get("sessionContext"), dict) else {}
    )
    assert isinstance(context, dict)
    issuer = context.get("sessionIssuer") if isinstance(context.get("sessionIssuer"), dict) else {}
    assert isinstance(issuer, dict)
    arn = _text(identity.get("arn"))
    match = _ASSUMED.search(arn)
    params = (
        data.get("requestParameters") if isinstance(data.get("requestParameters"), dict) else {}
    )
    assert isinstance(params, dict)
    try:
        raw = json.dumps(_scrub(data), sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        raise ParseError("record cannot be re-encoded") from None
    return ActivityEvent(
        event_id=event_id[:128],
        time=_time(data.get("eventTime")),
        account=_text(
            data.get("recipientAccountId") or identity.get("accountId") or account_hint, 12
        ),
        region=_text(data.get("awsRegion"), 32),
        source=_text(data.get("eventSource"), 128),
        name=_text(data.get("eventName"), 128),
        resource=_resource(data),
        source_ip=_text(data.get("sourceIPAddress"), 128),
        error_code=_text(data.get("errorCode"), 128),
        session_name=match.group("session") if match else "",
        source_identity=_text(context.get("sourceIdentity") or identity.get("sourceIdentity"), 64),
        role_name=match.group("role") if match else _text(issuer.get("userName"), 64),
        user_type=_text(identity.get("type"), 32),
        user_name=_text(identity.get("userName"), 64),
        request_session_name=_text(params.get("roleSessionName"), 64),
        read_only=_is_read_only(data),
        raw=raw,
        access_key_id=_text(identity.get("accessKeyId"), 32),
        user_agent=_text(data.get("userAgent"), 512),
    )


# The calls the app itself makes with the incident's sessions (docs/rules.md §3: labelled "app",
# never operator activity or high-risk): polling, the alarm check, notifications, the audit anchor,
# the clock check, role chaining, and revoke-and-rotate on the break-glass role and users.
APP_CALLS = frozenset(
    {
        ("sts.amazonaws.com", "GetCallerIdentity"),
        ("sts.amazonaws.com", "AssumeRole"),
        ("cloudtrail.amazonaws.com", "LookupEvents"),
        ("logs.amazonaws.com", "FilterLogEvents"),
        ("logs.amazonaws.com", "StartLiveTail"),
        ("monitoring.amazonaws.com", "DescribeAlarmHistory"),
        ("sns.amazonaws.com", "Publish"),
        ("s3.amazonaws.com", "PutObject"),
        ("lambda.amazonaws.com", "Invoke"),
        ("iam.amazonaws.com", "PutRolePolicy"),
        ("iam.amazonaws.com", "GetRolePolicy"),
        ("iam.amazonaws.com", "PutUserPolicy"),
        ("iam.amazonaws.com", "GetUserPolicy"),
        ("iam.amazonaws.com", "CreateAccessKey"),
        ("iam.amazonaws.com", "UpdateAccessKey"),
        ("iam.amazonaws.com", "DeleteAccessKey"),
        ("iam.amazonaws.com", "ListAccessKeys"),
        ("iam.amazonaws.com", "UpdateLoginProfile"),
        ("iam.amazonaws.com", "GetLoginProfile"),
    }
)
APP_USER_AGENT = "breakglass-gui"  # botocore's user_agent_extra (core/aws/clients.py)


def by_app(event: ActivityEvent, app_keys: frozenset[str] | set[str]) -> bool:
    """Whether `event` is one of the app's own calls. All three must hold, so an operator
    cannot hide an action by sending the app's user agent: the access key is one the app was
    issued (the console's sessions have their own keys), the call is in APP_CALLS, and the
    user agent is the app's."""
    return (
        bool(event.access_key_id)
        and event.access_key_id in app_keys
        and (event.source, event.name) in APP_CALLS
        and APP_USER_AGENT in event.user_agent
    )


def _is_read_only(data: dict[str, Any]) -> bool:
    flag = data.get("readOnly")
    if isinstance(flag, bool):
        return flag
    name = data.get("eventName")
    return isinstance(name, str) and name.startswith(_READ_PREFIXES)


class EventStore:
    """Deduplicated events, newest first; thread-safe. Returns what was new on each add."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[str, ActivityEvent] = {}
        self._order: list[ActivityEvent] = []
        self.rejected = 0

    def add(self, events: Iterable[ActivityEvent]) -> list[ActivityEvent]:
        fresh: list[ActivityEvent] = []
        with self._lock:
            for event in events:
                if event.event_id in self._by_id:
                    continue
                self._by_id[event.event_id] = event
                fresh.append(event)
            if fresh:
                self._order.extend(fresh)
                self._order.sort(key=lambda e: (e.time, e.event_id), reverse=True)
        return fresh

    def __len__(self) -> int:
        return len(self._order)

    def snapshot(self) -> list[ActivityEvent]:
        with self._lock:
            return list(self._order)
