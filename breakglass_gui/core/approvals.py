"""Two approver sign-offs bound to the request digest (docs/rules.md §2.2).

Rules: primary = a roster member with role `primary`; secondary = role `secondary` with
`aws_infrastructure = false`; the operator cannot approve; one person cannot sign both roles;
a TOTP code (±1 step) proves presence; a step already used by that approver is refused
(replay; the last step survives restarts, in the hash chain: `approver.state` entries); 3 wrong
codes lock the approver out for 5 minutes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from breakglass_gui.core import totp
from breakglass_gui.core.clock import Clock, utc_iso
from breakglass_gui.core.config import Approver, Config
from breakglass_gui.core.enrolment import TotpSecretStore
from breakglass_gui.core.errors import ApprovalError
from breakglass_gui.core.incident import Request
from breakglass_gui.core.journal import Journal

log = logging.getLogger(__name__)

Role = Literal["primary", "secondary"]
MAX_FAILURES = 3
LOCKOUT_SECONDS = 300


@dataclass(frozen=True)
class Approval:
    role: Role
    approver: str
    name: str
    step: int
    digest: str
    at: str

    def as_payload(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "approver": self.approver,
            "name": self.name,
            "step": self.step,
            "digest": self.digest,
            "at": self.at,
        }


@dataclass(frozen=True)
class ApprovalContext:
    """What an approval method is built from (core/registry.py, `APPROVAL_METHODS`)."""

    config: Config
    journal: Journal
    clock: Clock
    totp_secrets: TotpSecretStore


class ApprovalMethod(Protocol):
    """One way for an approver to sign a request: checks one sign-off or raises ApprovalError
    with the reason (the procedure journals it either way). `caveat` is what the approvals
    page must say about the method's limits ("" if none)."""

    caveat: str

    def sign(
        self,
        request: Request,
        role: Role,
        approver_id: str,
        response: str,
        other: dict[str, Any] | None,
    ) -> Approval: ...

    def seconds_locked(self, approver_id: str) -> int: ...


def eligible(config: Config, role: Role, operator: str) -> list[Approver]:
    """Who may sign `role` for this operator's request (the UI lists exactly these)."""
    person = config.operator(operator)
    return [
        a
        for a in config.approvers
        if a.role == role
        and not (role == "secondary" and a.aws_infrastructure)
        and a.id != operator
        and not (person and a.email.lower() == person.email.lower())
    ]


class ApprovalDesk:
    """The `totp` approval method: a code from the approver's authenticator, whose secret is in
    this workstation's OS keyring (so whoever can read that keyring can produce it)."""

    caveat = (
        "These codes are checked against secrets kept in this workstation's keyring: anyone "
        "who can read that keyring can produce them, so they show presence, not that two "
        "people agreed. Signed approvals (ssh, security keys) are not available yet."
    )

    @classmethod
    def build(cls, context: ApprovalContext) -> ApprovalDesk:
        return cls(context.config, context.journal, context.totp_secrets, context.clock)

    def __init__(
        self, config: Config, journal: Journal, store: TotpSecretStore, clock: Clock
    ) -> None:
        self._config = config
        self._journal = journal
        self._store = store
        self._clock = clock

    def seconds_locked(self, approver_id: str) -> int:
        _, _, locked_until = self._journal.approver_state(approver_id)
        return max(0, int(locked_until - self._clock.now() + 0.999))

    def sign(
        self,
        request: Request,
        role: Role,
        approver_id: str,
        code: str,
        other: dict[str, Any] | None,
    ) -> Approval:
        """Verify one sign-off; raises ApprovalError with the reason, journaled by the caller."""
        approver = self._check_roster(request, role, approver_id, other)
        code = code.strip().replace(" ", "")
        if not totp.CODE.fullmatch(code):
            raise ApprovalError(
                "Enter the 6-digit code from the approver's authenticator.",
                code="approval.format",
                field="code",
            )
        wait = self.seconds_locked(approver.id)
        if wait:
            raise ApprovalError(
                f"{approver.name} is locked out after {MAX_FAILURES} wrong codes; try again in "
                f"{wait // 60} min {wait % 60:02d} s.",
                code="approval.locked",
                field="code",
            )
        secret = self._store.get(approver.id)
        if secret is None:
            raise ApprovalError(
                f"{approver.name} has not enrolled a code on this workstation "
                "(Approvers → Enrol…).",
                code="approval.not_enrolled",
                field="approver",
            )
        now = self._clock.now()
        last_step, failures, _ = self._journal.approver_state(approver.id)
        step = totp.matching_step(secret, code, now)
        if step is None:
            failures += 1
            locked_until = now + LOCKOUT_SECONDS if failures >= MAX_FAILURES else 0.0
            self._journal.set_approver_state(
                approver.id,
                last_step,
                0 if locked_until else failures,
                locked_until,
                incident=request.incident_id,
                why="wrong code",
            )
            if locked_until:
                self._journal.append(
                    request.incident_id,
                    "approver.locked_out",
                    {
                        "approver": approver.id,
                        "until": utc_iso(locked_until),
                    },
                )
                raise ApprovalError(
                    f"Wrong code. {approver.name} is now locked out for 5 minutes "
                    f"after {MAX_FAILURES} wrong codes.",
                    code="approval.locked",
                    field="code",
                )
            left = MAX_FAILURES - failures
            raise ApprovalError(
                f"Wrong code for {approver.name} ({left} attempt{'s' if left > 1 else ''} left "
                "before a 5-minute lockout). Check the approver's device clock.",
                code="approval.wrong_code",
                field="code",
            )
        if step <= last_step:
            raise ApprovalError(
                f"This code of {approver.name}'s was already used. Wait "
                f"{totp.seconds_to_next_step(now)} s for the authenticator to show a new one.",
                code="approval.replay",
                field="code",
            )
        self._journal.set_approver_state(
            approver.id, step, 0, 0.0, incident=request.incident_id, why="signed"
        )
        return Approval(role, approver.id, approver.name, step, request.digest, utc_iso(now))

    def _check_roster(
        self, request: Request, role: Role, approver_id: str, other: dict[str, Any] | None
    ) -> Approver:
        approver = self._config.approver(approver_id)
        if approver is None:
            raise ApprovalError(
                f'"{approver_id}" is not on the approver roster.',
                code="approval.unknown",
                field="approver",
            )
        operator = self._config.operator(request.operator)
        if approver.id == request.operator or (
            operator and operator.email.lower() == approver.email.lower()
        ):
            raise ApprovalError(
                "The operator cannot approve their own break-glass request.",
                code="approval.self",
                field="approver",
            )
        # Before the role rule: one person never signs twice, whatever role each of their roster
        # ids holds (the same id, or a second id with the same e-mail).
        if other:
            other_person = self._config.approver(str(other["approver"]))
            if other["approver"] == approver.id or (
                other_person and other_person.email.lower() == approver.email.lower()
            ):
                raise ApprovalError(
                    "One person cannot sign both approvals.",
                    code="approval.same_person",
                    field="approver",
                )
        if approver.role != role:
            raise ApprovalError(
                f"{approver.name} is a {approver.role} approver and cannot sign as {role}.",
                code="approval.role",
                field="approver",
            )
        if role == "secondary" and approver.aws_infrastructure:
            raise ApprovalError(
                f"{approver.name} is involved with the AWS infrastructure; the secondary approval "
                "must come from senior management who is not.",
                code="approval.infra",
                field="approver",
            )
        return approver
