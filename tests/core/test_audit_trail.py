"""`audit-trail`'s reading of CloudTrail (issue 18, item 8), against botocore's Stubber: moto
has no LookupEvents, and the Stubber checks each request against CloudTrail's real model."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.stub import ANY, Stubber

from breakglass_gui.core.audit_trail import (
    LOOKUP_PACE_SECONDS,
    Evidence,
    RoleUse,
    match,
    role_uses,
)

ROLE = "a-tmpl-prod-rol-break-glass"


def event(event_id: str, role: str, session: str, source: str, account: str) -> dict[str, Any]:
    record = {
        "eventID": event_id,
        "eventName": "AssumeRole",
        "eventTime": "2026-12-01T10:00:00Z",
        "awsRegion": "eu-central-1",
        "recipientAccountId": account,
        "userIdentity": {"arn": "arn:aws:iam::123456789012:user/break-glass-user"},
        "requestParameters": {
            "roleArn": f"arn:aws:iam::{account}:role/{role}",
            "roleSessionName": session,
            "sourceIdentity": source,
        },
    }
    return {
        "EventId": event_id,
        "EventName": "AssumeRole",
        "EventTime": datetime(2026, 12, 1, 10, tzinfo=UTC),
        "CloudTrailEvent": json.dumps(record),
    }


def test_every_page_is_read_paced_and_only_the_break_glass_role_kept() -> None:
    trail = boto3.client(
        "cloudtrail", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    wanted = {
        "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}],
        "StartTime": ANY,
        "MaxResults": 50,
    }
    with Stubber(trail) as stub:
        stub.add_response(
            "lookup_events",
            {
                "Events": [
                    event("e1", ROLE, "BG-20261201-AAAA", "jdoe", "210000000001"),
                    event("e2", "SomeOtherRole", "x", "", "210000000001"),
                ],
                "NextToken": "page-2",
            },
            wanted,
        )
        stub.add_response(
            "lookup_events",
            {"Events": [event("e3", ROLE, "maintenance", "", "210000000001")]},
            {**wanted, "NextToken": "page-2"},
        )
        stub.add_response(
            "lookup_events",
            {"Events": [event("e1", ROLE, "BG-20261201-AAAA", "jdoe", "210000000001")]},
            wanted,
        )
        slept: list[float] = []
        uses = role_uses(
            lambda account, region: trail,
            ["210000000001"],
            ["eu-central-1", "us-east-1"],
            ROLE,
            0.0,
            sleep=slept.append,
        )
        stub.assert_no_pending_responses()
    assert [u.event_id for u in uses] == ["e1", "e3"]  # e1 read in two regions is one use
    assert slept == [LOOKUP_PACE_SECONDS]  # 2 requests per second per account and region
    assert uses[0].session_name == "BG-20261201-AAAA" and uses[0].source_identity == "jdoe"


def use(session: str, account: str = "210000000001", source: str = "jdoe") -> RoleUse:
    return RoleUse(account, "eu-central-1", "t", "arn", session, source, "caller", session)


def test_each_use_needs_a_journaled_anchored_and_approved_incident() -> None:
    good = Evidence({("210000000001", "jdoe")}, anchored=True)
    unanchored = Evidence({("210000000001", "jdoe")}, anchored=False)
    unapproved = Evidence({("210000000001", "jdoe")}, True, ["the signature does not verify"])
    evidence = {"BG-1": good, "BG-2": unanchored, "BG-3": unapproved}
    findings = match(
        [
            use("BG-1"),
            use("maintenance"),
            use("BG-1", account="210000000009"),
            use("BG-1", source="mallory"),
            use("BG-2"),
            use("BG-3"),
        ],
        evidence,
    )
    problems = [f.problem for f in findings]
    assert problems[0] == ""
    assert problems[1] == 'no incident "maintenance" in the journal'
    assert "issued no session in 210000000009" in problems[2]
    assert 'for "mallory"' in problems[3]
    assert "has no checkpoint at the anchor" in problems[4]
    assert "approvals do not verify" in problems[5]
