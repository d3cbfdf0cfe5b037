"""Provisioning creates the blueprint idempotently: a second apply changes nothing."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from breakglass_gui.core.aws.admin import ProfileSessions
from breakglass_gui.core.aws.blueprint import (
    ROLE_ASSUMPTION_PATTERN,
    USER_LOGIN_PATTERN,
    build_blueprint,
)
from breakglass_gui.core.aws.provision import Provisioner
from breakglass_gui.core.config import parse_config
from tests.fakes.world import REGION, TARGETS, config_data


@pytest.fixture
def provisioner(moto_admin: ProfileSessions) -> Provisioner:
    data = config_data()
    data["notifications"]["subscriptions"] = ["email:secops@example.com"]
    return Provisioner(build_blueprint(parse_config(data)), moto_admin)


def test_apply_twice_the_second_changes_nothing_and_plan_says_so(
    provisioner: Provisioner,
) -> None:
    first = provisioner.plan()
    assert {c.action for c in first} == {"create", "enable"}
    applied = provisioner.apply()
    assert len(applied) >= len(first)
    assert provisioner.plan() == []
    assert provisioner.apply() == []


def test_what_apply_creates_matches_the_seed(provisioner: Provisioner) -> None:
    provisioner.apply()
    logs = boto3.client("logs", region_name=REGION)
    patterns = {
        f["filterPattern"]
        for f in logs.describe_metric_filters(logGroupName="a-tmpl-prod-cwgrp-break-glass")[
            "metricFilters"
        ]
    }
    assert patterns == {USER_LOGIN_PATTERN, ROLE_ASSUMPTION_PATTERN}
    iam = boto3.client("iam", region_name=REGION)
    assert [u["UserName"] for u in iam.list_users()["Users"]] == [
        "break-glass-user-1",
        "break-glass-user-2",
    ]
    sessions = provisioner.sessions
    for account in TARGETS:
        role = sessions.client("iam", account).get_role(RoleName="a-tmpl-prod-rol-break-glass")
        assert role["Role"]["MaxSessionDuration"] == 3600


def test_drift_is_planned_as_an_update(provisioner: Provisioner) -> None:
    provisioner.apply()
    iam = provisioner.sessions.client("iam", TARGETS[1])
    iam.put_role_policy(
        RoleName="a-tmpl-prod-rol-break-glass",
        PolicyName="a-tmpl-prod-pol-break-glass-admin",
        PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Action":"*","Resource":"*"}]}',
    )
    plan = provisioner.plan()
    assert [(c.account, c.action) for c in plan] == [(TARGETS[1], "update")]
    provisioner.apply()
    assert provisioner.plan() == []


def _cloudtrail_error(code: str) -> Exception:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": "not valid"}}, "CreateTrail")


def test_creating_the_trail_waits_while_a_new_role_propagates() -> None:
    from breakglass_gui.core.aws.changes import PROPAGATION_WAITS, while_iam_propagates

    answers: list[Any] = [
        _cloudtrail_error("InvalidCloudWatchLogsRoleArnException"),
        _cloudtrail_error("InsufficientS3BucketPolicyException"),
        {"Name": "trail"},
    ]
    slept: list[float] = []

    def call() -> Any:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert while_iam_propagates(call, slept.append) == {"Name": "trail"}
    assert slept == [2.0, 4.0]
    assert PROPAGATION_WAITS == (2.0, 4.0, 8.0, 16.0)


def test_other_trail_errors_and_a_role_that_never_propagates_are_raised() -> None:
    from botocore.exceptions import ClientError

    from breakglass_gui.core.aws.changes import while_iam_propagates

    slept: list[float] = []

    def refused() -> Any:
        raise _cloudtrail_error("TrailAlreadyExistsException")

    with pytest.raises(ClientError):
        while_iam_propagates(refused, slept.append)
    assert slept == []

    def never() -> Any:
        raise _cloudtrail_error("InvalidCloudWatchLogsRoleArnException")

    with pytest.raises(ClientError):
        while_iam_propagates(never, slept.append)
    assert slept == [2.0, 4.0, 8.0, 16.0]


def test_apply_runs_parts_side_by_side_but_users_first_and_alarms_last(
    provisioner: Provisioner,
) -> None:
    """IAM refuses a trust policy naming a user that does not exist yet, and the alarms name
    the topic: those two orders hold however the independent parts are interleaved."""
    import threading

    from breakglass_gui.core.aws import provision

    done: list[tuple[str, str]] = []
    lock = threading.Lock()
    run_in_order = provision._run_in_order

    def recording(changes: list[Any]) -> None:
        for change in changes:
            run_in_order([change])
            with lock:
                done.append((change.resource, threading.current_thread().name))

    provision._run_in_order = recording  # type: ignore[assignment]
    try:
        provisioner.apply()
    finally:
        provision._run_in_order = run_in_order  # type: ignore[assignment]
    order = [resource for resource, _ in done]
    users = [i for i, r in enumerate(order) if r.startswith("iam user ")]
    alarms = [i for i, r in enumerate(order) if r.startswith("alarm ")]
    others = [i for i in range(len(order)) if i not in users and i not in alarms]
    assert users and alarms and others
    assert max(users) < min(others) and max(others) < min(alarms)
    assert len({thread for _, thread in done}) > 1  # the middle really ran side by side


def test_what_needs_only_the_users_runs_once_they_exist_beside_the_rest(
    provisioner: Provisioner, moto_admin: ProfileSessions
) -> None:
    """The drill enrols its users' MFA devices and keys there (drill/environment.py)."""
    iam = moto_admin.client("iam", provisioner.bp.iam_account)
    seen: list[list[str]] = []

    def once_users_exist() -> None:
        seen.append(
            [iam.get_user(UserName=u.name)["User"]["UserName"] for u in provisioner.bp.users]
        )

    provisioner.apply(once_users_exist=once_users_exist)
    assert seen == [[u.name for u in provisioner.bp.users]]
    assert provisioner.plan() == []  # and everything else was made all the same
