"""MFA and role sessions (docs/rules.md §2.4, §2.5): GetSessionToken, AssumeRole, the clock check.

A code goes to AWS exactly once: calls carrying a code are made with retries disabled, and
`MfaCodeGuard` refuses locally a second submission in the same 30-second step or of the same
code, so a typo'd retry never burns the next code or trips AWS's reuse check.
"""

from __future__ import annotations

import email.utils
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from breakglass_gui.core import totp
from breakglass_gui.core.aws.clients import AwsCredentials, ClientFactory
from breakglass_gui.core.aws.errors import aws_error, classify
from breakglass_gui.core.errors import AwsError
from breakglass_gui.core.secret import Secret

log = logging.getLogger(__name__)

SKEW_WARN_SECONDS = 30
SKEW_BLOCK_SECONDS = 240


@dataclass(frozen=True)
class ClockCheck:
    skew_seconds: float
    level: Literal["ok", "warn", "block"]

    def message(self) -> str:
        behind = "behind" if self.skew_seconds < 0 else "ahead of"
        text = f"This workstation's clock is {abs(self.skew_seconds):.0f} s {behind} AWS."
        if self.level == "block":
            return (
                text + f" More than {SKEW_BLOCK_SECONDS} s breaks request signing and MFA "
                "codes: correct the clock (NTP) before entering a code."
            )
        if self.level == "warn":
            return text + " MFA codes may be rejected; consider correcting the clock."
        return text


def assess_skew(server_date: str, local_now: float) -> ClockCheck:
    server = email.utils.parsedate_to_datetime(server_date).timestamp()
    skew = local_now - server
    level: Literal["ok", "warn", "block"] = "ok"
    if abs(skew) > SKEW_BLOCK_SECONDS:
        level = "block"
    elif abs(skew) > SKEW_WARN_SECONDS:
        level = "warn"
    return ClockCheck(skew, level)


class MfaCodeGuard:
    """Refuses a second submission within the same time step, or of the last code sent."""

    def __init__(self) -> None:
        self._last_step = -1
        self._last_code: Secret | None = None

    def check(self, code: str, now: float) -> None:
        if not totp.CODE.fullmatch(code):
            raise AwsError(
                "Enter the 6-digit code the MFA device shows.", code="aws.mfa.format", field="code"
            )
        wait = totp.seconds_to_next_step(now)
        if self._last_code is not None and self._last_code == Secret(code):
            raise AwsError(
                f"This code was already sent to AWS. Wait {wait} s for the device to show a new "
                "one.",
                code="aws.mfa.reused",
                field="code",
            )
        if totp.step_at(now) == self._last_step:
            raise AwsError(
                f"A code was already sent in this 30-second window. Wait {wait} s for the next "
                "code.",
                code="aws.mfa.same_step",
                field="code",
            )

    def sent(self, code: str, now: float) -> None:
        self._last_step = totp.step_at(now)
        if self._last_code is not None:
            self._last_code.wipe()
        self._last_code = Secret(code)


@dataclass
class RoleSession:
    """Credentials for one account (target or service), in memory only."""

    account: str
    purpose: str
    role_arn: str
    credentials: AwsCredentials
    issued: float
    expires: float
    chained: bool

    def public(self) -> dict[str, Any]:
        from breakglass_gui.core.clock import utc_iso

        return {
            "account": self.account,
            "purpose": self.purpose,
            "role_arn": self.role_arn,
            "issued": utc_iso(self.issued),
            "expires": utc_iso(self.expires),
            "chained": self.chained,
            "access_key_id": self.credentials.access_key_id,
        }


def _credentials(raw: dict[str, Any]) -> AwsCredentials:
    expiration = raw.get("Expiration")
    return AwsCredentials(
        access_key_id=str(raw["AccessKeyId"]),
        secret_access_key=Secret(str(raw["SecretAccessKey"])),
        session_token=Secret(str(raw["SessionToken"])),
        expiration=expiration.timestamp() if isinstance(expiration, datetime) else None,
    )


class Sts:
    def __init__(self, factory: ClientFactory, region: str) -> None:
        self._factory = factory
        self._region = region

    def check_clock(self, credentials: AwsCredentials, now: float) -> tuple[ClockCheck, str]:
        """GetCallerIdentity (no code) to read AWS's Date header; also proves the keys work."""
        client = self._factory.client("sts", credentials, self._region)
        try:
            response = client.get_caller_identity()
        except Exception as exc:
            raise classify(exc) from None
        date = response["ResponseMetadata"]["HTTPHeaders"].get("date", "")
        check = assess_skew(date, now) if date else ClockCheck(0.0, "ok")
        return check, str(response.get("Arn", ""))

    def get_session_token(
        self, credentials: AwsCredentials, serial: str, code: str, duration: int
    ) -> AwsCredentials:
        client = self._factory.client("sts", credentials, self._region, retries=False)
        try:
            response = client.get_session_token(
                DurationSeconds=duration, SerialNumber=serial, TokenCode=code
            )
        except Exception as exc:
            raise classify(exc, carries_code=True) from None
        return _credentials(response["Credentials"])

    def assume_role(
        self,
        credentials: AwsCredentials,
        *,
        role_arn: str,
        session_name: str,
        source_identity: str,
        tags: dict[str, str],
        duration: int,
        serial: str | None = None,
        code: str | None = None,
    ) -> tuple[AwsCredentials, dict[str, Any]]:
        client = self._factory.client("sts", credentials, self._region, retries=code is None)
        kwargs: dict[str, Any] = {
            "RoleArn": role_arn,
            "RoleSessionName": session_name,
            "DurationSeconds": duration,
            "SourceIdentity": source_identity,
            "Tags": [{"Key": k, "Value": v[:256]} for k, v in tags.items()],
        }
        if code is not None:
            kwargs.update(SerialNumber=serial, TokenCode=code)
        try:
            response = client.assume_role(**kwargs)
        except Exception as exc:
            raise classify(exc, carries_code=code is not None) from None
        assumed = response.get("AssumedRoleUser", {})
        return _credentials(response["Credentials"]), {
            "assumed_role_arn": str(assumed.get("Arn", "")),
            "source_identity": str(response.get("SourceIdentity", source_identity)),
        }


def chained_duration(requested: int, role_max: int, chained: bool) -> int:
    """min(requested, role max, 1 h when chained), never below AWS's 15-minute floor."""
    limit = min(requested, role_max, 3600 if chained else role_max)
    return max(900, limit)


def require_unexpired(credentials: AwsCredentials | None, now: float, what: str) -> AwsCredentials:
    if credentials is None or not credentials.usable:
        raise AwsError(f"There is no {what} in memory; it is needed again.", code="aws.no_session")
    if credentials.expiration is not None and credentials.expiration <= now + 30:
        raise aws_error("expired")
    return credentials
