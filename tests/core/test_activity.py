"""Live activity: the incident's CloudTrail events only, each once, high-risk ones flagged."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.stub import ANY, Stubber
from hypothesis import given, settings
from hypothesis import strategies as st

from breakglass_gui.core.aws.activity import EventStore, ParseError, parse_record
from breakglass_gui.core.aws.clients import AwsCredentials, ClientFactory
from breakglass_gui.core.aws.sources import (
    LOOKUP_RATE_PER_SECOND,
    OVERLAP_SECONDS,
    Buckets,
    LogGroupPollSource,
    LookupEventsSource,
    Scope,
)
from breakglass_gui.core.secret import Secret
from tests.fakes.aws_answers import lookup_page
from tests.fakes.clock import ManualClock

INCIDENT = "BG-20270101-ABCD"
ROLE = "a-tmpl-prod-rol-break-glass"
SCOPE = Scope(INCIDENT, "jdoe", ROLE, since=1_800_000_000.0)


def record(
    name: str = "DescribeInstances",
    source: str = "ec2.amazonaws.com",
    session: str = INCIDENT,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "eventID": extra.pop("eventID", f"id-{name}-{session}"),
        "eventTime": "2027-01-15T08:00:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "eu-central-1",
        "sourceIPAddress": "203.0.113.7",
        "recipientAccountId": "222222222222",
        "userIdentity": {
            "type": "AssumedRole",
            "arn": f"arn:aws:sts::222222222222:assumed-role/{ROLE}/{session}",
            "sessionContext": {"sourceIdentity": "jdoe" if session == INCIDENT else "other"},
        },
        **extra,
    }


@pytest.mark.parametrize(
    ("name", "source", "extra", "risky"),
    [
        ("DescribeInstances", "ec2.amazonaws.com", {"readOnly": True}, ""),
        ("CreateAccessKey", "iam.amazonaws.com", {}, "write to IAM"),
        ("GetRole", "iam.amazonaws.com", {}, ""),
        ("ScheduleKeyDeletion", "kms.amazonaws.com", {}, "write to KMS"),
        ("StopLogging", "cloudtrail.amazonaws.com", {}, "weakens detective controls"),
        ("DeleteTrail", "cloudtrail.amazonaws.com", {}, "weakens detective controls"),
        ("PutBucketPolicy", "s3.amazonaws.com", {}, "weakens detective controls"),
        ("DeleteDBInstance", "rds.amazonaws.com", {}, "deletes a resource"),
        ("LeaveOrganization", "organizations.amazonaws.com", {}, "write to ORGANIZATIONS"),
        (
            "RunInstances",
            "ec2.amazonaws.com",
            {"errorCode": "Client.UnauthorizedOperation"},
            "denied call",
        ),
        ("GetObject", "s3.amazonaws.com", {"errorCode": "AccessDenied"}, "denied call"),
    ],
)
def test_high_risk_classification(
    name: str, source: str, extra: dict[str, Any], risky: str
) -> None:
    event = parse_record(json.dumps(record(name, source, **extra)))
    assert (risky in event.risk_reason) if risky else event.risk_reason == ""


def test_only_this_incidents_events_are_kept_whatever_the_server_returned() -> None:
    mine = parse_record(record())
    other = parse_record(record(session="BG-20270101-ZZZZ"))
    assume = parse_record(
        record(
            "AssumeRole",
            "sts.amazonaws.com",
            session="x",
            requestParameters={"roleSessionName": INCIDENT},
        )
    )
    assert SCOPE.keep(mine) and SCOPE.keep(assume)
    assert not SCOPE.keep(other)


def test_session_tokens_echoed_by_cloudtrail_are_scrubbed_from_the_raw_json() -> None:
    raw = record(
        "AssumeRole",
        "sts.amazonaws.com",
        responseElements={
            "credentials": {"accessKeyId": "ASIAEXAMPLE", "sessionToken": "IQoJb3JpZ2luX2VjE" * 20}
        },
    )
    event = parse_record(raw)
    assert "IQoJb3JpZ2luX2VjE" not in event.raw
    assert "ASIAEXAMPLE" in event.raw


def test_the_store_deduplicates_by_event_id_and_keeps_newest_first() -> None:
    store = EventStore()
    a = parse_record(record(eventID="a", eventTime="2027-01-15T08:00:00Z"))
    b = parse_record(record(eventID="b", eventTime="2027-01-15T09:00:00Z"))
    assert store.add([a, b]) == [a, b]
    assert store.add([a, b]) == []
    assert [e.event_id for e in store.snapshot()] == ["b", "a"]


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=50),
            lambda children: (
                st.lists(children, max_size=4)
                | st.dictionaries(st.text(max_size=12), children, max_size=4)
            ),
            max_leaves=30,
        ),
    )
)
def test_hostile_or_malformed_records_never_crash_the_parser(value: Any) -> None:
    text = value if isinstance(value, str) else json.dumps(value)
    try:
        event = parse_record(text)
    except ParseError:
        return
    assert event.event_id


def test_hostile_strings_survive_parsing_verbatim_for_escaping_at_render() -> None:
    evil = "<img src=x onerror=alert(1)>\x1b[31m|*_`"
    event = parse_record(record(requestParameters={"bucketName": evil}))
    assert event.resource == evil


def test_a_huge_record_is_refused() -> None:
    with pytest.raises(ParseError, match="256 KiB"):
        parse_record("x" * 300_000)


def _cloudtrail() -> Any:
    return ClientFactory().client(
        "cloudtrail", AwsCredentials("AKIDEXAMPLE", Secret("x" * 40)), "eu-central-1"
    )


def test_lookup_events_follows_every_page_and_filters_client_side() -> None:
    clock = ManualClock(1_800_000_600.0)
    client = _cloudtrail()
    source = LookupEventsSource(
        client, "222222222222", "eu-central-1", SCOPE, Buckets(clock), clock
    )
    with Stubber(client) as stub:
        expected = {
            "LookupAttributes": [{"AttributeKey": "Username", "AttributeValue": INCIDENT}],
            "StartTime": ANY,
            "EndTime": ANY,
            "MaxResults": 50,
        }
        stub.add_response("lookup_events", lookup_page([record(eventID="1")], "p2"), expected)
        stub.add_response(
            "lookup_events",
            lookup_page([record(eventID="2"), record(eventID="x", session="someone")], "p3"),
            {**expected, "NextToken": "p2"},
        )
        stub.add_response(
            "lookup_events",
            lookup_page([record(eventID="3")], None),
            {**expected, "NextToken": "p3"},
        )
        events = source.poll()
        stub.assert_no_pending_responses()
    assert [e.event_id for e in events] == ["1", "2", "3"]


def test_lookup_events_requeries_with_an_overlap_so_late_events_are_caught() -> None:
    clock = ManualClock(1_800_000_600.0)
    client = _cloudtrail()
    source = LookupEventsSource(
        client, "222222222222", "eu-central-1", SCOPE, Buckets(clock), clock
    )
    starts: list[datetime] = []
    with Stubber(client) as stub:
        for _ in range(2):
            stub.add_response("lookup_events", lookup_page([record(eventID="1")], None))
        client.meta.events.register(
            "provide-client-params.cloudtrail.LookupEvents",
            lambda params, **kw: starts.append(params["StartTime"]),
        )
        store = EventStore()
        store.add(source.poll())
        clock.advance(900)
        assert store.add(source.poll()) == []  # the overlap brought event 1 again: deduplicated
    assert starts[1].timestamp() == pytest.approx(1_800_000_600.0 - OVERLAP_SECONDS)


def test_log_group_polling_uses_a_pattern_but_trusts_only_its_own_filter() -> None:
    clock = ManualClock(1_800_000_600.0)
    client = ClientFactory().client(
        "logs", AwsCredentials("AKIDEXAMPLE", Secret("x" * 40)), "eu-central-1"
    )
    source = LogGroupPollSource(client, "a-tmpl-prod-cwgrp-break-glass", "1", SCOPE, clock)
    with Stubber(client) as stub:
        stub.add_response(
            "filter_log_events",
            {
                "events": [
                    {"message": json.dumps(record(eventID="mine"))},
                    {"message": json.dumps(record(eventID="theirs", session="other"))},
                    {"message": "not json"},
                ]
            },
        )
        events = source.poll()
    assert [e.event_id for e in events] == ["mine"]
    assert source.rejected == 1


def test_event_time_is_shown_in_utc() -> None:
    event = parse_record(record())
    assert event.time_iso() == "2027-01-15T08:00:00Z"
    assert datetime.fromtimestamp(event.time, tz=UTC).hour == 8


def test_live_tail_delivers_only_this_incidents_events(make_world: Any) -> None:
    from breakglass_gui.core.incident import State
    from tests.fakes.world import put_activity

    world = make_world(
        monitoring={
            "log_group": "a-tmpl-prod-cwgrp-break-glass",
            "log_group_account": "123456789012",
            "live_tail": True,
            "lookup_events": False,
            "filter_log_events": False,
        }
    )
    proc = world.drive(world.declare(), State.ACTIVE)
    mine = put_activity(proc.id, world.clock.now())
    source = proc.activity.live_tail()
    assert source is not None
    delivered: list[str] = []
    source.run(lambda events: delivered.extend(e.event_id for e in proc.activity.deliver(events)))
    assert sorted(delivered) == sorted(mine)  # the foreign session's event was dropped
    assert proc.activity.poll() == []  # polling sources are off in this configuration
    journaled = [e for e in world.journal.entries(proc.id) if e.kind == "activity.events"]
    assert sum(len(e.payload["events"]) for e in journaled) == len(mine)


def test_lookup_events_keeps_to_cloudtrails_rate_in_every_account_and_region_at_scale() -> None:
    """100 accounts × the two LookupEvents regions, each source polled five times round the
    organisation (as the monitor polls), pages included: in no account-region do two requests
    come closer than CloudTrail's 2 per second allows, whatever the others do. The requests
    are timed on the clock the buckets wait on."""
    clock = ManualClock(1_800_000_600.0)
    buckets = Buckets(clock)
    calls: list[tuple[float, str, str]] = []

    class Client:
        def __init__(self, account: str, region: str) -> None:
            self.account, self.region, self.pages = account, region, 0

        def lookup_events(self, **kwargs: Any) -> dict[str, Any]:
            calls.append((clock.now(), self.account, self.region))
            self.pages += 1
            return {"Events": [], **({"NextToken": "more"} if self.pages % 2 else {})}

    sources = [
        LookupEventsSource(Client(a, r), a, r, SCOPE, buckets, clock)
        for a in (f"{300000000000 + n}" for n in range(100))
        for r in ("eu-central-1", "us-east-1")
    ]
    for _ in range(5):
        for source in sources:
            source.poll()
    by_place: dict[tuple[str, str], list[float]] = {}
    for at, account, region in calls:
        by_place.setdefault((account, region), []).append(at)
    assert len(by_place) == 200 and all(len(t) == 10 for t in by_place.values())
    for times in by_place.values():
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= 1 / LOOKUP_RATE_PER_SECOND - 1e-9  # 1.5/s: under CloudTrail's 2/s
