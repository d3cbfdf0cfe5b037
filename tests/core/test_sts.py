"""MFA and role sessions: one code, sent once; every STS failure in plain words (docs/rules.md
§2.4–2.5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from breakglass_gui.core.aws.clients import AwsCredentials, ClientFactory
from breakglass_gui.core.aws.errors import classify
from breakglass_gui.core.aws.sts import MfaCodeGuard, Sts, assess_skew, chained_duration
from breakglass_gui.core.errors import AwsError
from breakglass_gui.core.secret import Secret

KEYS = AwsCredentials("AKIAIOSFODNN7EXAMPLE", Secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
SERIAL = "arn:aws:iam::123456789012:mfa/break-glass-user-1"


class CountingServer:
    """A `before-send` hook answering every request with HTTP 503 and counting them."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def __call__(self, request: Any, **kwargs: Any) -> AWSResponse:
        self.sent.append(request.url)
        return AWSResponse(
            request.url,
            503,
            {},
            _Raw(b"<Error><Code>ServiceUnavailable</Code><Message>busy</Message></Error>"),
        )


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kwargs: Any) -> Any:
        yield self._body


def test_a_call_carrying_an_mfa_code_is_sent_exactly_once() -> None:
    server = CountingServer()
    sts = Sts(ClientFactory(hooks=[("before-send", server)]), "eu-central-1")
    with pytest.raises(AwsError):
        sts.get_session_token(KEYS, SERIAL, "123456", 3600)
    assert len(server.sent) == 1
    with pytest.raises(AwsError):
        sts.assume_role(
            KEYS,
            role_arn="arn:aws:iam::1:role/r",
            session_name="BG",
            tags={},
            source_identity="jdoe",
            duration=900,
            serial=SERIAL,
            code="654321",
        )
    assert len(server.sent) == 2


def test_calls_without_a_code_keep_their_retries() -> None:
    server = CountingServer()
    sts = Sts(ClientFactory(hooks=[("before-send", server)]), "eu-central-1")
    with pytest.raises(AwsError):
        sts.check_clock(KEYS, 0)
    assert len(server.sent) == 3


def test_the_same_step_or_the_same_code_is_refused_locally() -> None:
    guard = MfaCodeGuard()
    guard.sent("123456", 1_800_000_000)
    with pytest.raises(AwsError) as raised:
        guard.check("654321", 1_800_000_010)
    assert raised.value.code == "aws.mfa.same_step"
    assert "Wait 20 s" in raised.value.message
    with pytest.raises(AwsError) as raised:
        guard.check("123456", 1_800_000_040)
    assert raised.value.code == "aws.mfa.reused"
    guard.check("654321", 1_800_000_040)
    with pytest.raises(AwsError, match="6-digit"):
        guard.check("12345", 1_800_000_040)


def _client_error(code: str, message: str, operation: str = "GetSessionToken") -> Exception:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize(
    ("error", "kind", "words"),
    [
        (
            _client_error(
                "AccessDenied",
                "MultiFactorAuthentication failed with invalid MFA one time pass code.",
            ),
            "aws.mfa.invalid_code",
            "rejected the MFA code",
        ),
        (
            _client_error(
                "AccessDenied",
                "MultiFactorAuthentication failed, unable to validate MFA "
                "code.  Please verify your MFA serial number is valid and associated with "
                "this user.",
            ),
            "aws.mfa.not_associated",
            "not the device associated",
        ),
        (
            _client_error(
                "AccessDenied",
                "User: arn:aws:iam::1:user/bg is not authorized to perform: "
                "sts:AssumeRole on resource: arn:aws:iam::2:role/r",
                "AssumeRole",
            ),
            "aws.trust_denied",
            "trust policy",
        ),
        (
            _client_error(
                "AccessDenied",
                "User: arn:aws:iam::1:user/bg is not authorized to perform: "
                "sts:TagSession on resource: arn:aws:iam::2:role/r",
                "AssumeRole",
            ),
            "aws.tags_denied",
            "user's own policy, or the role's trust policy",
        ),
        (
            _client_error(
                "AccessDenied",
                "User: arn:aws:iam::1:user/bg is not authorized to perform: "
                "sts:SetSourceIdentity on resource: arn:aws:iam::2:role/r",
                "AssumeRole",
            ),
            "aws.tags_denied",
            "sts:SetSourceIdentity and sts:TagSession",
        ),
        (_client_error("Throttling", "Rate exceeded"), "aws.throttled", "throttling"),
        (
            EndpointConnectionError(endpoint_url="https://sts.amazonaws.com"),
            "aws.network",
            "cannot be reached",
        ),
        (
            _client_error("ExpiredToken", "The security token included in the request is expired"),
            "aws.expired",
            "expired",
        ),
        (
            _client_error(
                "InvalidClientTokenId", "The security token included in the request is invalid."
            ),
            "aws.invalid_keys",
            "does not recognise",
        ),
        (
            _client_error(
                "SignatureDoesNotMatch",
                "Signature expired: 20270101T000000Z is now earlier than ...",
            ),
            "aws.clock_skew",
            "clock",
        ),
    ],
)
def test_every_sts_failure_has_its_own_message(error: Exception, kind: str, words: str) -> None:
    classified = classify(error, carries_code=True)
    assert classified.code == kind
    assert words in classified.message


def test_assume_role_names_the_session_after_the_incident_with_source_identity_and_tags() -> None:
    sts = Sts(ClientFactory(), "eu-central-1")
    client = ClientFactory().client("sts", KEYS, "eu-central-1")
    expires = datetime.now(tz=UTC) + timedelta(hours=1)
    with Stubber(client) as stub:
        stub.add_response(
            "assume_role",
            {
                "Credentials": {
                    "AccessKeyId": "ASIAEXAMPLEEXAMPLE01",
                    "SecretAccessKey": "x" * 40,
                    "SessionToken": "t" * 200,
                    "Expiration": expires,
                },
                "AssumedRoleUser": {
                    "AssumedRoleId": "AROAEXAMPLE:BG-20270101-ABCD",
                    "Arn": "arn:aws:sts::2:assumed-role/r/BG-20270101-ABCD",
                },
                "SourceIdentity": "jdoe",
            },
            {
                "RoleArn": "arn:aws:iam::222222222222:role/a-tmpl-prod-rol-break-glass",
                "RoleSessionName": "BG-20270101-ABCD",
                "DurationSeconds": 3600,
                "SourceIdentity": "jdoe",
                "Tags": [
                    {"Key": "incident", "Value": "BG-20270101-ABCD"},
                    {"Key": "emergency-type", "Value": "AD outage"},
                ],
            },
        )
        sts._factory = _Fixed(client)  # type: ignore[assignment]
        credentials, facts = sts.assume_role(
            KEYS,
            role_arn="arn:aws:iam::222222222222:role/a-tmpl-prod-rol-break-glass",
            session_name="BG-20270101-ABCD",
            source_identity="jdoe",
            tags={"incident": "BG-20270101-ABCD", "emergency-type": "AD outage"},
            duration=3600,
        )
    assert facts["source_identity"] == "jdoe"
    assert "x" * 40 not in repr(credentials)
    assert credentials.expiration == pytest.approx(expires.timestamp())


class _Fixed:
    def __init__(self, client: Any) -> None:
        self._client = client

    def client(self, *args: Any, **kwargs: Any) -> Any:
        return self._client


@pytest.mark.parametrize(
    ("offset", "level"), [(5, "ok"), (-31, "warn"), (45, "warn"), (241, "block"), (-300, "block")]
)
def test_clock_skew_warns_above_30_s_and_blocks_above_240_s(offset: int, level: str) -> None:
    server = datetime(2027, 1, 1, tzinfo=UTC)
    check = assess_skew(format_datetime(server, usegmt=True), server.timestamp() + offset)
    assert check.level == level
    assert f"{abs(offset)} s" in check.message()


def test_role_session_duration_is_capped_by_role_and_by_chaining() -> None:
    assert chained_duration(7200, 43200, chained=True) == 3600
    assert chained_duration(7200, 43200, chained=False) == 7200
    assert chained_duration(7200, 3600, chained=False) == 3600
    assert chained_duration(600, 3600, chained=False) == 900


def test_an_unvalidated_device_may_be_out_of_sync_and_the_message_says_so() -> None:
    from breakglass_gui.core.aws.errors import classify

    error = classify(
        _client_error(
            "AccessDenied",
            "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your "
            "MFA serial number is valid and associated with this user.",
            "GetSessionToken",
        )
    )
    assert error.code == "aws.mfa.not_associated"
    assert "out of sync with AWS" in error.message and "resynchronise it in IAM" in error.message
