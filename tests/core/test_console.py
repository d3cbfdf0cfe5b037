"""The federated console URL: right host per partition, SessionDuration only where allowed."""

from __future__ import annotations

import json
import urllib.error
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from breakglass_gui.core.aws.clients import AwsCredentials
from breakglass_gui.core.aws.console import (
    CommandBrowser,
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
            "https://signin.aws.amazon.com/federation",
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
    assert (parts.netloc, parts.path) == ("signin.aws.amazon.com", "/oauth")
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


def test_the_browser_command_gets_the_url_as_one_argument_never_through_a_shell() -> None:
    runs: list[list[str]] = []
    browser = CommandBrowser(("firefox", "--private-window", "{url}"), runner=runs.append)
    browser.open(Secret("https://signin/?a=1&b=$(rm -rf /)"))
    assert runs == [["firefox", "--private-window", "https://signin/?a=1&b=$(rm -rf /)"]]


def test_a_browser_command_that_cannot_start_says_so() -> None:
    def missing(args: Any) -> None:
        raise FileNotFoundError(2, "No such file or directory")

    with pytest.raises(FederationError, match="use Copy URL instead"):
        CommandBrowser(("no-such-browser", "{url}"), runner=missing).open(Secret("https://x"))
