"""The drill environment: fast start, clean stop, and AWS's answers where moto has none."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from breakglass_gui.drill.environment import DrillEnvironment
from breakglass_gui.drill.layout import IAM_ACCOUNT, MEMBERS, USERS
from tests.fakes.drill_clients import drill_client, user_client


@pytest.fixture(scope="module")
def env() -> Iterator[DrillEnvironment]:
    environment = DrillEnvironment().start().unseal()
    yield environment
    environment.stop()


def _user_sts(env: DrillEnvironment) -> tuple[object, str]:
    record = env.vault.current(f"breakglass/users/{USERS[0]}")
    return user_client(env, "sts", USERS[0]), record["mfa_serial"]


def test_the_drill_sts_rejects_a_wrong_code_with_awss_error(env: DrillEnvironment) -> None:
    sts, serial = _user_sts(env)
    wrong = f"{(int(env.mfa_code()) + 1) % 1_000_000:06d}"
    with pytest.raises(ClientError) as raised:
        sts.get_session_token(SerialNumber=serial, TokenCode=wrong)  # type: ignore[attr-defined]
    error = raised.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    assert error["Message"].startswith(
        "MultiFactorAuthentication failed with invalid MFA one time pass code"
    )


def test_the_drill_sts_accepts_a_code_once_and_refuses_its_reuse(env: DrillEnvironment) -> None:
    sts, serial = _user_sts(env)
    if time.time() % 30 > 28:  # do not straddle a step boundary between the two calls
        time.sleep(30 - time.time() % 30 + 0.2)
    code = env.mfa_code()
    sts.get_session_token(SerialNumber=serial, TokenCode=code)  # type: ignore[attr-defined]
    with pytest.raises(ClientError) as raised:
        sts.get_session_token(SerialNumber=serial, TokenCode=code)  # type: ignore[attr-defined]
    assert "invalid MFA one time pass code" in raised.value.response["Error"]["Message"]


def test_an_unknown_mfa_serial_is_not_associated(env: DrillEnvironment) -> None:
    sts, _ = _user_sts(env)
    with pytest.raises(ClientError) as raised:
        sts.get_session_token(  # type: ignore[attr-defined]
            SerialNumber=f"arn:aws:iam::{IAM_ACCOUNT}:mfa/nobody", TokenCode="123456"
        )
    assert "unable to validate MFA code" in raised.value.response["Error"]["Message"]


def test_lookup_events_answers_per_account_with_pagination(env: DrillEnvironment) -> None:
    assert env.simulator is not None and env.config is not None
    since = time.time() - 10
    env.simulator.simulate(
        incident="BG-20270101-TEST",
        operator="drill-operator",
        role_name=env.config.role.name,
        user=USERS[0],
        iam_account=IAM_ACCOUNT,
        accounts=[MEMBERS[0], MEMBERS[1]],
        since=since,
    )
    admin = drill_client(env, "sts", {"AccessKeyId": "a", "SecretAccessKey": "b"})
    creds = admin.assume_role(
        RoleArn=f"arn:aws:iam::{MEMBERS[0]}:role/OrganizationAccountAccessRole",
        RoleSessionName="test",
    )["Credentials"]
    trail = drill_client(env, "cloudtrail", creds)
    pages = list(
        trail.get_paginator("lookup_events").paginate(
            LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "BG-20270101-TEST"}],
            PaginationConfig={"PageSize": 4},
        )
    )
    events = [e for page in pages for e in page["Events"]]
    assert len(pages) > 1
    assert len(events) == 9  # AssumeRole, ConsoleLogin and seven calls, in this account only
    assert {e["EventName"] for e in events} >= {
        "AssumeRole",
        "ConsoleLogin",
        "AttachRolePolicy",
        "LeaveOrganization",
    }


def test_each_drill_server_answers_without_waiting_for_the_clients_ack(
    env: DrillEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TCP_NODELAY on every connection the drill's AWS endpoint and federation stand-in
    accept (drill/serving.py: with Nagle's algorithm an answer's body waited for an ACK)."""
    seen: dict[str, int] = {}
    servers = {"aws": env._servers.moto, "federation": env.federation._server}
    for name, server in servers.items():
        handler = server.RequestHandlerClass
        setup = handler.setup

        def recording(self: Any, setup: Any = setup, name: str = name) -> None:
            setup(self)
            seen[name] = self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)

        monkeypatch.setattr(handler, "setup", recording)
    assert env.admin is not None
    env.admin.client("sts", IAM_ACCOUNT).get_caller_identity()
    where = urlsplit(env.federation.url)
    context = ssl.create_default_context(cafile=env.ca_file)
    federation = http.client.HTTPSConnection(where.netloc, context=context, timeout=10)
    federation.request("GET", "/federation?Action=none")
    federation.getresponse().read()
    federation.close()
    assert seen.keys() == {"aws", "federation"}
    assert all(seen.values()), seen
