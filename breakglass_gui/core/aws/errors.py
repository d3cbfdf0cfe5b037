"""Classify AWS failures into the operator's words (docs/rules.md §2.4 and §14)."""

from __future__ import annotations

from breakglass_gui.core.errors import AwsError

MESSAGES: dict[str, str] = {
    "mfa.invalid_code": "AWS rejected the MFA code. Wait for the device to show a new code "
    "and enter that one (a code is never sent twice).",
    # AWS says "unable to validate" both for a serial that is not this user's device and for a
    # device whose clock has drifted out of the window AWS accepts.
    "mfa.not_associated": "AWS could not validate the MFA device: either the serial number in "
    "Vault is not the device associated with this IAM user, or the device is out of sync with "
    "AWS (an administrator can resynchronise it in IAM). Check the record's mfa_serial, or use "
    "the other break-glass user.",
    "trust_denied": "AWS refused to let the break-glass user assume the role: the role's trust "
    "policy does not allow it (wrong principal, missing MFA condition, or "
    "sts:SetSourceIdentity/sts:TagSession not allowed). Run the readiness check.",
    # The same refusal comes from either side of a cross-account AssumeRole: the caller's
    # identity policy and the role's trust policy must both allow these actions.
    "tags_denied": "AWS refused to set the session's source identity or tags: the break-glass "
    "user's own policy, or the role's trust policy, does not allow sts:SetSourceIdentity and "
    "sts:TagSession (both are needed for a cross-account session). Run the readiness check.",
    "access_denied": "AWS denied the request (AccessDenied).",
    "throttled": "AWS is throttling requests. Wait a few seconds and retry.",
    "network": "AWS cannot be reached (network failure or timeout). Check the connection and "
    "retry; no MFA code was consumed if the request did not leave this machine.",
    "expired": "The AWS credentials have expired. Re-issue the session (a new MFA code may be "
    "needed).",
    "invalid_keys": "AWS does not recognise the break-glass user's access key (deleted, "
    "deactivated or rotated without Vault being updated). Use the other "
    "break-glass user.",
    "clock_skew": "This workstation's clock differs from AWS's; signed requests fail.",
    "duration": "AWS refused the requested session duration.",
    "unknown": "AWS returned an error.",
}


def aws_error(kind: str, detail: str = "", *, field: str | None = None) -> AwsError:
    message = MESSAGES[kind]
    if detail:
        message = f"{message} (AWS said: {detail[:300]})"
    return AwsError(message, code=f"aws.{kind}", field=field)


def classify(exc: BaseException, *, carries_code: bool = False) -> AwsError:
    """Map a botocore exception to an AwsError; `carries_code` means an MFA code was sent."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConnectionError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    if isinstance(exc, AwsError):
        return exc
    if isinstance(exc, ReadTimeoutError):
        # The request left: AWS may have seen the code. Say so rather than guess.
        detail = "the request timed out after it was sent" if carries_code else ""
        return aws_error("network", detail)
    if isinstance(exc, EndpointConnectionError | ConnectionError):
        return aws_error("network")
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = str(error.get("Message", ""))
        lowered = message.lower()
        if "multifactorauthentication failed" in lowered:
            if "unable to validate" in lowered or "associated" in lowered:
                return aws_error("mfa.not_associated", message, field="code")
            return aws_error("mfa.invalid_code", message, field="code")
        if code in (
            "Throttling",
            "ThrottlingException",
            "TooManyRequestsException",
            "RequestLimitExceeded",
        ):
            return aws_error("throttled", message)
        if code in (
            "ExpiredToken",
            "ExpiredTokenException",
            "RequestExpired",
            "TokenRefreshRequired",
        ):
            return aws_error("expired", message)
        if code in ("InvalidClientTokenId", "UnrecognizedClientException"):
            return aws_error("invalid_keys", message)
        if code == "SignatureDoesNotMatch" and "expired" in lowered:
            return aws_error("clock_skew", message)
        if code in ("AccessDenied", "AccessDeniedException"):
            if "sts:setsourceidentity" in lowered or "sts:tagsession" in lowered:
                return aws_error("tags_denied", message)
            if "sts:assumerole" in lowered or "not authorized to perform: sts:" in lowered:
                return aws_error("trust_denied", message)
            return aws_error("access_denied", message)
        if code == "ValidationError" and "durationseconds" in lowered:
            return aws_error("duration", message)
        return aws_error("unknown", f"{code}: {message}")
    if isinstance(exc, BotoCoreError):
        return aws_error("network", type(exc).__name__)
    return aws_error("unknown", type(exc).__name__)
