"""Bypass detection from what AWS wrote (issue 18, item 8): every AssumeRole of the break-glass
role that CloudTrail recorded, matched to an incident of this journal that was anchored off the
workstation and whose approval bundle verifies with the approvers' public keys.

Whatever runs on the workstation can be bypassed by someone holding the Vault login and the MFA
device; CloudTrail cannot. A role session without such an incident is a finding.

From AWS: LookupEvents returns an account's own event history (90 days), one region per call;
it accepts one lookup attribute (here EventName=AssumeRole); it is limited to 2 requests per
second per account per region, so pages are paced (CloudTrail API Reference, "LookupEvents").
A cross-account AssumeRole is recorded in the role's account; STS calls to a regional endpoint
in that region, calls to the global endpoint in us-east-1.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from breakglass_gui.core.approval_bundle import KeysFile, bundle, verify_bundle
from breakglass_gui.core.approver_keys import ENROLLED, REMOVED, registry_from
from breakglass_gui.core.chain import Entry

LOOKUP_PACE_SECONDS = 0.5  # 2 requests per second per account and region


@dataclass(frozen=True)
class RoleUse:
    """One AssumeRole of the break-glass role, as CloudTrail recorded it."""

    account: str
    region: str
    time: str
    role_arn: str
    session_name: str
    source_identity: str
    caller: str
    event_id: str


@dataclass
class Evidence:
    """What the journal and the anchor say about one incident."""

    sessions: set[tuple[str, str]] = field(default_factory=set)  # (account, source identity)
    anchored: bool = False
    bundle_problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Finding:
    use: RoleUse
    problem: str  # "" when the use is matched


def role_uses(
    client: Callable[[str, str], Any],
    accounts: Sequence[str],
    regions: Sequence[str],
    role_name: str,
    since: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> list[RoleUse]:
    """Every AssumeRole of `role_name` since `since` in these accounts and regions;
    `client(account, region)` is a CloudTrail client there."""
    uses: dict[str, RoleUse] = {}  # by event id: one event is one use, wherever it was read
    for account in accounts:
        for region in regions:
            for use in _in(client(account, region), account, region, role_name, since, sleep):
                uses.setdefault(use.event_id or f"{len(uses)}", use)
    return sorted(uses.values(), key=lambda u: u.time)


def _in(
    trail: Any,
    account: str,
    region: str,
    role_name: str,
    since: float,
    sleep: Callable[[float], None],
) -> Iterable[RoleUse]:
    kwargs: dict[str, Any] = {
        "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}],
        "StartTime": datetime.fromtimestamp(since, tz=UTC),
        "MaxResults": 50,
    }
    while True:
        page = trail.lookup_events(**kwargs)
        for event in page.get("Events", []):
            use = _use(event, account, region, role_name)
            if use is not None:
                yield use
        token = page.get("NextToken")
        if not token:
            return
        kwargs["NextToken"] = token
        sleep(LOOKUP_PACE_SECONDS)


def _use(event: dict[str, Any], account: str, region: str, role_name: str) -> RoleUse | None:
    try:
        record = json.loads(event.get("CloudTrailEvent") or "{}")
    except ValueError:
        return None
    if record.get("eventName", event.get("EventName")) != "AssumeRole":
        return None
    params = record.get("requestParameters") or {}
    role_arn = str(params.get("roleArn", ""))
    if not role_arn.endswith(f":role/{role_name}"):
        return None
    identity = record.get("userIdentity") or {}
    return RoleUse(
        account=str(record.get("recipientAccountId", account)),
        region=str(record.get("awsRegion", region)),
        time=str(record.get("eventTime", "")),
        role_arn=role_arn,
        session_name=str(params.get("roleSessionName", "")),
        source_identity=str(params.get("sourceIdentity", "")),
        caller=str(identity.get("arn", "")),
        event_id=str(record.get("eventID", event.get("EventId", ""))),
    )


def evidence_from(
    entries: Sequence[Entry], anchored: set[str], keys: KeysFile
) -> dict[str, Evidence]:
    """Per incident of the journal: its role sessions, whether a checkpoint of it is at the
    anchor (`anchored`: the incidents `verify_anchor` matched), and its bundle's problems."""
    registry = registry_from(e for e in entries if e.kind in (ENROLLED, REMOVED))
    out: dict[str, Evidence] = {}
    requests: dict[str, dict[str, Any]] = {}
    approvals: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        incident = entry.incident
        if not incident:
            continue
        evidence = out.setdefault(incident, Evidence(anchored=incident in anchored))
        p = entry.payload
        if entry.kind == "session.issued":
            evidence.sessions.add((str(p.get("account")), str(p.get("source_identity"))))
        elif entry.kind == "approval.requested":
            requests[incident] = dict(p)
            approvals[incident] = []
        elif entry.kind == "approval.granted":
            approvals.setdefault(incident, []).append(dict(p))
    for incident, evidence in out.items():
        signed = approvals.get(incident, [])
        data = bundle(incident, requests.get(incident, {}), signed, registry)
        evidence.bundle_problems = verify_bundle(data, keys)
    return out


def match(uses: Sequence[RoleUse], evidence: dict[str, Evidence]) -> list[Finding]:
    findings = []
    for use in uses:
        incident = evidence.get(use.session_name)
        if incident is None:
            problem = f'no incident "{use.session_name}" in the journal'
        elif (use.account, use.source_identity) not in incident.sessions:
            problem = (
                f"the journal of {use.session_name} issued no session in {use.account} for "
                f'"{use.source_identity}"'
            )
        elif not incident.anchored:
            problem = f"{use.session_name} has no checkpoint at the anchor"
        elif incident.bundle_problems:
            problem = f"{use.session_name}'s approvals do not verify: {incident.bundle_problems[0]}"
        else:
            problem = ""
        findings.append(Finding(use, problem))
    return findings
