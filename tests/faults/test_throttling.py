"""Fault matrix — throttling (docs/rules.md §2.4, §3, §12): STS and CloudTrail say "slow down".

STS: a call carrying an MFA code is never retried (the code would be sent twice), so the
operator reads that AWS is throttling; a call without a code is retried by botocore's standard
mode with backoff and the operator sees nothing. CloudTrail: a page refused mid-pagination is
fetched again on the next poll (no page lost), and the app's own LookupEvents rate stays under
CloudTrail's 2 requests per second per account and region.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from botocore.stub import Stubber

from breakglass_gui.core.aws.clients import AwsCredentials, ClientFactory
from breakglass_gui.core.aws.sources import Buckets, LookupEventsSource, Scope
from breakglass_gui.core.incident import State
from breakglass_gui.core.secret import Secret
from tests.fakes.aws_answers import hook_answer, lookup_page
from tests.fakes.clock import ManualClock
from tests.fakes.world import ROLE, TARGETS, World
from tests.faults.matrix import journaled, nothing_lost, raised


def _throttled(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, operation)


def test_sts_throttling_a_code_carrying_call_is_reported_not_retried(world: World) -> None:
    proc = world.drive(world.declare(), State.VAULT_UNLOCKED)
    world.faults.throttle["sts.GetSessionToken"] = 5
    error = raised(lambda: proc.verify_mfa(world.mfa_code()), "throttling")
    assert error.code == "aws.throttled"
    assert world.faults.sent.count("sts.GetSessionToken") == 1  # the code went out once
    journaled(world, proc, "effect.outcome", "aws.throttled")
    world.faults.throttle.clear()
    nothing_lost(world, proc)


def test_sts_throttling_a_call_without_a_code_is_retried_with_backoff(world: World) -> None:
    proc = world.drive(world.declare(), State.MFA_VERIFIED)
    world.faults.throttle["sts.AssumeRole"] = 1
    proc.activate(TARGETS)
    assert proc.state is State.ACTIVE and not proc.missing_sessions()
    assert world.faults.sent.count("sts.AssumeRole") == len(proc.sessions) + 1  # one retry
    nothing_lost(world, proc)


def _records(incident: str, ids: range) -> list[dict[str, Any]]:
    return [
        {
            "eventID": f"e{i}",
            "eventTime": "2027-01-15T08:00:00Z",
            "eventSource": "ec2.amazonaws.com",
            "eventName": "DescribeInstances",
            "awsRegion": "eu-central-1",
            "recipientAccountId": TARGETS[0],
            "userIdentity": {
                "type": "AssumedRole",
                "arn": f"arn:aws:sts::{TARGETS[0]}:assumed-role/{ROLE}/{incident}",
                "sessionContext": {"sourceIdentity": "jdoe"},
            },
        }
        for i in ids
    ]


def test_cloudtrail_throttling_mid_pagination_loses_no_page(make_world: Any) -> None:
    # us-east-1 is also where global events land: one target account, one Region, so one
    # LookupEvents source (elsewhere each account is also polled in us-east-1).
    world: World = make_world(monitoring__lookup_events=True, organisation__region="us-east-1")
    proc = world.drive(world.declare(), State.MFA_VERIFIED)
    proc.activate((TARGETS[0],))
    world.drive(proc, State.ACTIVE)
    calls = {"n": 0}

    def lookup(params: dict[str, Any]) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == 2:  # the second page of the first poll is refused
            raise _throttled("LookupEvents")
        if params.get("NextToken") == "p2":
            return hook_answer(lookup_page(_records(proc.id, range(50, 80)), None))
        return hook_answer(lookup_page(_records(proc.id, range(50)), "p2"))

    world.faults.answers["cloudtrail.LookupEvents"] = lookup
    assert proc.activity.poll() == []
    entry = journaled_error(world, proc.id)
    assert "throttling" in entry
    fresh = proc.activity.poll()
    assert {e.event_id for e in fresh} == {f"e{i}" for i in range(80)}
    nothing_lost(world, proc)


def journaled_error(world: World, incident: str) -> str:
    errors = [
        e.payload for e in world.journal.entries(incident) if e.kind == "activity.source_error"
    ]
    assert errors, "the refused poll is journaled"
    return " ".join(errors[-1]["errors"])


def test_lookup_events_stays_under_1_5_requests_per_second_over_60_s_with_no_page_lost() -> None:
    clock = ManualClock(1_800_000_000.0)
    buckets = Buckets(clock)
    client = ClientFactory().client(
        "cloudtrail", AwsCredentials("AKIDEXAMPLE", Secret("x" * 40)), "eu-central-1"
    )
    times: list[float] = []
    client.meta.events.register(
        "before-parameter-build.cloudtrail.LookupEvents", lambda **kw: times.append(clock.now())
    )
    scope = Scope("BG-20270115-AB12", "jdoe", ROLE, 1_800_000_000.0 - 600)
    sources = [  # three pollers sharing one account-region, as three windows could
        LookupEventsSource(client, TARGETS[0], "eu-central-1", scope, buckets, clock)
        for _ in range(3)
    ]
    with Stubber(client) as stub:
        for i in range(120):
            token = f"t{i}" if i % 4 != 3 else None
            stub.add_response(
                "lookup_events", lookup_page(_records(scope.incident_id, range(i, i + 1)), token)
            )
        seen: set[str] = set()
        while clock.now() < 1_800_000_060.0:
            for source in sources:
                seen |= {e.event_id for e in source.poll()}
    window = [t for t in times if t < 1_800_000_060.0]
    assert len(window) / 60.0 <= 1.5
    assert len(seen) == len(times)  # every page fetched was kept: none skipped by the throttle
    for start in range(len(times)):
        assert len([t for t in times[start:] if t < times[start] + 1.0]) <= 2
