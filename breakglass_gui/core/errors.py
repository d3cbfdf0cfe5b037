"""Errors the operator must see: each carries a stable code and a plain-words message.

The UI shows `message` next to the field that caused it; the journal records `code` and
`message` (never a secret: messages are built from our own words and escaped-at-render data).
"""

from __future__ import annotations


class BreakGlassError(Exception):
    """Base for every failure the procedure reports to the operator."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field

    def as_payload(self) -> dict[str, str]:
        payload = {"code": self.code, "message": self.message}
        if self.field:
            payload["field"] = self.field
        return payload


class ConfigError(BreakGlassError):
    """The configuration file is missing, unreadable or invalid (all problems listed)."""

    code = "config"

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class JournalError(BreakGlassError):
    """The journal could not be written or read; the flow stops (fail closed, docs/rules.md §1)."""

    code = "journal"


class ProcedureError(BreakGlassError):
    """A step was asked for out of order or its preconditions do not hold."""

    code = "procedure"


class ApprovalError(BreakGlassError):
    code = "approval"


class EnrolmentError(BreakGlassError):
    code = "enrolment"


class VaultError(BreakGlassError):
    code = "vault"


class AwsError(BreakGlassError):
    code = "aws"


class FederationError(BreakGlassError):
    code = "federation"


class ReviewError(BreakGlassError):
    code = "review"
