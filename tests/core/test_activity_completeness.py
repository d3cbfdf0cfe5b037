"""Activity is complete and honest (docs/rules.md §3, issue 15.5).

- LookupEvents is per Region and IAM, STS and sign-in events land in the partition's global
  Region ("global service events ... are delivered to US East (N. Virginia)", CloudTrail User
  Guide), so each account is also queried there.
- The app's own calls are labelled "app" and are never operator activity or high-risk — but only
  when the key, the call and the user agent are all the app's: an operator who sends the app's
  user agent from the console or a CLI is not hidden by it (the attacker's first try).
- An alarm the procedure cannot trigger is said to be so, not reported as a finding.
"""

from __future__ import annotations

from typing import Any

import pytest

from breakglass_gui.core.aws.activity import parse_record
from breakglass_gui.core.aws.blueprint import build_blueprint
from breakglass_gui.core.incident import State
from breakglass_gui.core.monitor import lookup_regions
from breakglass_gui.core.review.data import build_review
from breakglass_gui.core.review.render import render_html, render_markdown
from tests.fakes.world import TARGETS, World

APP_AGENT = "Boto3/1.40 md/Botocore#1.40 ua/2.1 os/linux lang/python#3.11 breakglass-gui"
CONSOLE_AGENT = "AWS Internal"


@pytest.mark.parametrize(
    ("partition", "region", "regions"),
    [
        ("aws", "eu-central-1", ("eu-central-1", "us-east-1")),
        ("aws", "us-east-1", ("us-east-1",)),
        ("aws-us-gov", "us-gov-east-1", ("us-gov-east-1", "us-gov-west-1")),
        ("aws-cn", "cn-northwest-1", ("cn-northwest-1", "cn-north-1")),
    ],
)
def test_lookup_events_also_asks_the_global_events_region(
    partition: str, region: str, regions: tuple[str, ...]
) -> None:
    assert lookup_regions(partition, region) == regions


def test_each_chosen_account_is_polled_in_both_regions(make_world: Any) -> None:
    from breakglass_gui.core.aws.sources import LookupEventsSource

    world = make_world(monitoring__lookup_events=True)
    proc = world.drive(world.declare(), State.ACTIVE)
    polled = {
        (s.account, s.region) for s in proc.activity.sources() if isinstance(s, LookupEventsSource)
    }
    for account in TARGETS:
        assert {(account, "eu-central-1"), (account, "us-east-1")} <= polled


def _record(proc: Any, name: str, source: str, *, key: str, agent: str) -> dict[str, Any]:
    account = TARGETS[0]
    return {
        "eventID": f"id-{name}-{key}-{agent[:3]}",
        "eventTime": "2027-01-15T08:00:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "eu-central-1",
        "sourceIPAddress": "203.0.113.7",
        "recipientAccountId": account,
        "userAgent": agent,
        "requestParameters": {"roleName": "a-tmpl-prod-rol-break-glass"},
        "userIdentity": {
            "type": "AssumedRole",
            "accessKeyId": key,
            "arn": f"arn:aws:sts::{account}:assumed-role/a-tmpl-prod-rol-break-glass/{proc.id}",
            "sessionContext": {"sourceIdentity": "jdoe"},
        },
    }


def test_the_apps_own_calls_are_labelled_app_and_never_high_risk(world: World) -> None:
    proc = world.drive(world.declare(), State.ACTIVE)
    app_key = proc.sessions[TARGETS[0]].credentials.access_key_id
    console_key = "ASIACONSOLESESSION01"  # invented: the console session's own key id
    events = [
        parse_record(_record(proc, *call, key=key, agent=agent))
        for call, key, agent in [
            (("PutRolePolicy", "iam.amazonaws.com"), app_key, APP_AGENT),  # the revocation
            (("LookupEvents", "cloudtrail.amazonaws.com"), app_key, APP_AGENT),  # polling
            # The operator, in the console: a write to IAM is high-risk.
            (("PutRolePolicy", "iam.amazonaws.com"), console_key, CONSOLE_AGENT),
            # The operator copying the app's user agent: still the operator.
            (("PutRolePolicy", "iam.amazonaws.com"), console_key, APP_AGENT),
            # The app's key and agent, but a call the app never makes: not hidden either.
            (("DeleteRole", "iam.amazonaws.com"), app_key, APP_AGENT),
        ]
    ]
    labelled = proc.activity.deliver(events)
    actors = [(e.name, e.actor, bool(e.high_risk)) for e in labelled]
    assert actors == [
        ("PutRolePolicy", "app", False),
        ("LookupEvents", "app", False),
        ("PutRolePolicy", "operator", True),
        ("PutRolePolicy", "operator", True),
        ("DeleteRole", "operator", True),
    ]
    proc.end_session()
    proc.revoke_and_rotate()
    review = build_review(proc)
    by_actor = [(e["name"], e["actor"], e["high_risk"] != "") for e in review["events"]]
    assert ("PutRolePolicy", "app", False) in by_actor
    assert review["high_risk_count"] == 3  # the app's two calls are not counted


def test_the_keys_of_sessions_issued_before_a_relaunch_are_still_the_apps(world: World) -> None:
    proc = world.drive(world.declare(), State.ACTIVE)
    keys = {s.credentials.access_key_id for s in proc.sessions.values()}
    world.relaunch()
    from breakglass_gui.core.procedure import Procedure

    again = Procedure.resume(world.deps(), proc.id)
    assert again.sessions == {}  # nothing secret survives a restart ...
    assert keys <= again.activity.app_key_ids  # ... but the journal says which keys were the app's


def test_an_alarm_the_procedure_cannot_trigger_is_not_a_finding(world: World) -> None:
    proc = world.drive(world.declare(), State.ROTATED)
    blueprint = build_blueprint(proc.config)
    login = next(a.name for a in blueprint.monitoring.alarms if "user-login" in a.name)
    assert set(blueprint.monitoring.expected_silent()) == {login}
    evidence = proc.incident.done_effects["check.alarms"]["evidence"]
    names = [a.name for a in blueprint.monitoring.alarms]
    evidence.update(checked=True, all_fired=False, alarms={n: n != login for n in names})
    review = build_review(proc)
    controls = review["detective_controls"]
    assert controls["finding"] == ""
    assert "never signs the IAM user in to the console" in controls["not_expected"][login]
    for text in (render_html(review), render_markdown(review)):
        assert "never signs the IAM user in to the console" in text
    evidence["alarms"] = dict.fromkeys(evidence["alarms"], False)
    finding = build_review(proc)["detective_controls"]["finding"]
    assert "role-assumption" in finding and login not in finding  # the real silence is one
