"""The federated console URL: right host per partition, SessionDuration only where allowed."""

from __future__ import annotations

import json
import urllib.error
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from breakglass_gui.core.aws.clients import AwsCredentials
from breakglass_gui.core.aws.console import (
    ConsoleSignIn,
    FederationEndpoint,
)
from breakglass_gui.core.errors import FederationError
from breakglass_gui.core.secret import Secret

ROLE_CREDS = AwsCredentials("ASIAEXAMPLE", Secret("k" * 40), Secret("t" * 300))


class Recorder:
    def __init__(self, body: bytes = b'{"SigninToken": "tok-123"}') -> None:
        self.urls: list[str] = []
        self.body = body

    def __call__(self, url: str, timeout: float) -> bytes:
        self.urls.append(url)
        return self.body


@pytest.mark.parametrize(
    ("partition", "region", "regional", "signin", "console"),
    [
        (
            "aws",
            "eu-central-1",
            False,
            "https://us-east-1.signin.aws.amazon.com/federation",
            "https://eu-central-1.console.aws.amazon.com/console/home?region=eu-central-1",
        ),
        (
            "aws",
            "eu-central-1",
            True,
            "https://eu-central-1.signin.aws.amazon.com/federation",
            "https://eu-central-1.console.aws.amazon.com/console/home?region=eu-central-1",
        ),
        (
            "aws-us-gov",
            "us-gov-west-1",
            False,
            "https://signin.amazonaws-us-gov.com/federation",
            "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1",
        ),
        (
            "aws-cn",
            "cn-north-1",
            False,
            "https://signin.amazonaws.cn/federation",
            "https://console.amazonaws.cn/console/home?region=cn-north-1",
        ),
    ],
)
def test_hosts_per_partition_and_region(
    partition: str, region: str, regional: bool, signin: str, console: str
) -> None:
    fetch = Recorder()
    endpoint = FederationEndpoint(partition, region, regional)
    url = (
        ConsoleSignIn(endpoint, fetch)
        .console_url(ROLE_CREDS, session_duration=None, logout_first=False)
        .reveal()
    )
    assert fetch.urls[0].startswith(signin + "?Action=getSigninToken")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == signin
    query = parse_qs(parts.query)
    assert query["Destination"] == [console]
    assert query["SigninToken"] == ["tok-123"]


def test_session_duration_is_sent_only_when_asked_and_clamped() -> None:
    fetch = Recorder()
    sign_in = ConsoleSignIn(FederationEndpoint("aws", "eu-west-1"), fetch)
    sign_in.signin_token(ROLE_CREDS, session_duration=None)
    sign_in.signin_token(ROLE_CREDS, session_duration=100)
    sign_in.signin_token(ROLE_CREDS, session_duration=7200)
    params = [parse_qs(urlsplit(u).query) for u in fetch.urls]
    assert "SessionDuration" not in params[0]
    assert params[1]["SessionDuration"] == ["900"]
    assert params[2]["SessionDuration"] == ["7200"]
    session = json.loads(params[2]["Session"][0])
    assert set(session) == {"sessionId", "sessionKey", "sessionToken"}


def test_logout_first_wraps_the_login_url() -> None:
    url = (
        ConsoleSignIn(FederationEndpoint("aws", "eu-west-1"), Recorder())
        .console_url(ROLE_CREDS, session_duration=None, logout_first=True)
        .reveal()
    )
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("us-east-1.signin.aws.amazon.com", "/oauth")
    inner = parse_qs(parts.query)["redirect_uri"][0]
    assert parse_qs(urlsplit(inner).query)["Action"] == ["login"]


def test_the_url_is_a_secret_and_never_shown_in_reprs() -> None:
    url = ConsoleSignIn(FederationEndpoint("aws", "eu-west-1"), Recorder()).console_url(
        ROLE_CREDS, session_duration=None, logout_first=False
    )
    assert "tok-123" not in repr(url) and "tok-123" not in f"{url}"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (urllib.error.HTTPError("u", 400, "Bad Request", {}, None), "federation.refused"),  # type: ignore[arg-type]
        (urllib.error.URLError("down"), "federation.unreachable"),
        (TimeoutError(), "federation.unreachable"),
    ],
)
def test_federation_failures_are_reported(error: Exception, code: str) -> None:
    def fail(url: str, timeout: float) -> bytes:
        raise error

    with pytest.raises(FederationError) as raised:
        ConsoleSignIn(FederationEndpoint("aws", "eu-west-1"), fail).signin_token(
            ROLE_CREDS, session_duration=None
        )
    assert raised.value.code == code


def test_an_unexpected_answer_is_reported() -> None:
    with pytest.raises(FederationError) as raised:
        ConsoleSignIn(FederationEndpoint("aws", "eu-west-1"), Recorder(b"<html>")).signin_token(
            ROLE_CREDS, session_duration=None
        )
    assert raised.value.code == "federation.bad_response"


def test_long_term_keys_cannot_sign_in() -> None:
    with pytest.raises(FederationError):
        ConsoleSignIn(FederationEndpoint("aws", "eu-west-1"), Recorder()).signin_token(
            AwsCredentials("AKIA", Secret("k" * 40)), session_duration=None
        )


def test_session_duration_is_clamped_to_what_the_console_accepts() -> None:
    fetch = Recorder()
    sign_in = ConsoleSignIn(FederationEndpoint("aws", "eu-west-1"), fetch)
    asked = [899, 900, 43_200, 43_201, 50_000]
    for seconds in asked:
        sign_in.signin_token(ROLE_CREDS, session_duration=seconds)
    sent = [parse_qs(urlsplit(u).query)["SessionDuration"][0] for u in fetch.urls]
    assert sent == ["900", "900", "43200", "43200", "43200"]


def test_the_default_endpoint_is_us_east_1_whose_logout_redirect_works() -> None:
    endpoint = FederationEndpoint("aws", "eu-west-1")
    assert endpoint.regional is False
    assert endpoint.federation_url == "https://us-east-1.signin.aws.amazon.com/federation"
    assert endpoint.logout_url == "https://us-east-1.signin.aws.amazon.com/oauth?Action=logout"
    assert endpoint.logout_honoured


def test_an_endpoint_cannot_be_redirected_once_made() -> None:
    import dataclasses

    endpoint = FederationEndpoint("aws", "eu-west-1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        endpoint.override = "http://attacker.example"  # type: ignore[misc]


def test_a_stand_in_serves_the_same_paths_under_its_own_base() -> None:
    endpoint = FederationEndpoint("aws", "eu-west-1", override="http://127.0.0.1:8443/")
    assert endpoint.federation_url == "http://127.0.0.1:8443/federation"
    assert endpoint.logout_url == "http://127.0.0.1:8443/oauth?Action=logout"


def test_logout_first_carries_the_whole_login_url_percent_encoded() -> None:
    sign_in = ConsoleSignIn(FederationEndpoint("aws", "eu-west-1"), Recorder())
    plain = sign_in.login_url(Secret("tok-123"), logout_first=False).reveal()
    wrapped = sign_in.login_url(Secret("tok-123"), logout_first=True).reveal()
    from urllib.parse import quote

    assert wrapped == (
        "https://us-east-1.signin.aws.amazon.com/oauth?Action=logout&redirect_uri="
        + quote(plain, safe="")
    )
    assert "&" not in wrapped.split("redirect_uri=", 1)[1]  # nothing leaks into the outer query


def test_the_signin_token_is_wiped_once_the_url_is_made() -> None:
    token = Secret("tok-123")
    ConsoleSignIn(FederationEndpoint("aws", "eu-west-1"), Recorder()).login_url(
        token, logout_first=False
    )
    assert token.wiped


@pytest.mark.parametrize(
    ("partition", "region", "regional", "host", "honoured"),
    [
        ("aws", "eu-west-1", False, "us-east-1.signin.aws.amazon.com", True),
        ("aws", "us-east-1", True, "us-east-1.signin.aws.amazon.com", True),
        ("aws", "eu-west-1", True, "eu-west-1.signin.aws.amazon.com", False),
        ("aws-us-gov", "us-gov-west-1", False, "signin.amazonaws-us-gov.com", False),
        ("aws-cn", "cn-north-1", False, "signin.amazonaws.cn", False),
    ],
)
def test_get_signin_token_login_and_logout_share_one_host_and_logout_first_only_where_honoured(
    partition: str, region: str, regional: bool, host: str, honoured: bool
) -> None:
    """AWS honours the logout redirect only at us-east-1.signin.aws.amazon.com: elsewhere the
    operator would land on a sign-out page, not in the console, so logout-first is dropped."""
    fetch = Recorder()
    endpoint = FederationEndpoint(partition, region, regional)
    url = (
        ConsoleSignIn(endpoint, fetch)
        .console_url(ROLE_CREDS, session_duration=None, logout_first=True)
        .reveal()
    )
    assert urlsplit(fetch.urls[0]).netloc == host
    assert endpoint.logout_honoured is honoured
    parts = urlsplit(url)
    assert parts.netloc == host
    if honoured:
        assert parts.path == "/oauth" and parse_qs(parts.query)["Action"] == ["logout"]
        inner = urlsplit(parse_qs(parts.query)["redirect_uri"][0])
        assert (inner.netloc, inner.path) == (host, "/federation")
    else:
        assert parts.path == "/federation" and parse_qs(parts.query)["Action"] == ["login"]


def test_open_console_commits_its_outcomes_as_a_group_and_every_intent_before_its_effect(
    make_world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Group commit on the path to the console (core/recorder.py `grouped`): intents are
    durable before their effect (so is everything journaled before them); outcomes wait for
    the next intent or the group's end, where one fsync covers them. Nothing stays unsynced."""
    from breakglass_gui.core.incident import State
    from breakglass_gui.core.journal import Journal
    from tests.fakes.world import TARGETS

    world = make_world()
    proc = world.drive(world.declare(), State.ACTIVE)
    writes: list[tuple[str, bool]] = []
    append, sync = Journal.append, Journal.sync

    def recorded(self: Journal, incident: Any, kind: str, payload: Any, **kw: Any) -> Any:
        writes.append((kind, kw.get("durable", True)))
        return append(self, incident, kind, payload, **kw)

    def synced(self: Journal) -> None:
        writes.append(("sync", self._unsynced))
        sync(self)

    monkeypatch.setattr(Journal, "append", recorded)
    monkeypatch.setattr(Journal, "sync", synced)
    proc.forget_session(TARGETS[0])
    proc.open_console(TARGETS[0])
    path = writes[: writes.index(("console.opened", False)) + 2]
    assert all(durable for kind, durable in path if kind == "effect.intent")
    assert ("session.issued", False) in path and ("notification.queued", False) in path
    assert path[-1] == ("sync", True)  # the group's end made the outcomes durable
    assert world.journal._unsynced is False
    assert [k for k, _ in path].count("effect.intent") == 3  # AssumeRole, sign-in, browser


def test_a_console_step_that_fails_still_leaves_nothing_unsynced(
    make_world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The browser cannot be started after the sign-in token was journaled: the error is the
    operator's to see, and the group's outcomes are on disk all the same."""
    from breakglass_gui.core.incident import State
    from tests.fakes.world import TARGETS

    world = make_world()
    proc = world.drive(world.declare(), State.ACTIVE)

    def no_browser(url: Any) -> None:
        raise FederationError("no browser could be started")

    monkeypatch.setattr(world.browser, "open", no_browser)
    with pytest.raises(FederationError):
        proc.open_console(TARGETS[0])
    assert world.journal._unsynced is False
    outcomes = [e for e in world.journal.entries(proc.id) if e.kind == "effect.outcome"]
    assert outcomes[-1].payload["effect"] == "browser.open" and not outcomes[-1].payload["ok"]
