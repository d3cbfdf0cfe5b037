"""Two approver sign-offs on one request text (docs/rules.md §2.2).

Rules: primary = a roster member with role `primary`; secondary = role `secondary` with
`aws_infrastructure = false`; the operator cannot approve; one person cannot sign both roles;
each approver signs with the method their enrolled key has (core/approval_methods.py), and only
methods the config lists are accepted; a request is signed before its not-after time; an
approver signs a request (a challenge) once; 3 wrong answers lock the approver out for 5
minutes. Everything that decides an approval (steps used, counters, requests signed, lockouts,
enrolled keys) is in the hash chain.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from breakglass_gui.core.approval_methods import (
    WRONG_ANSWERS,
    ApprovalMethod,
    Attempt,
    History,
)
from breakglass_gui.core.approval_request import SignedRequest
from breakglass_gui.core.approver_keys import ENROLLED, REMOVED, EnrolledKey, registry_of
from breakglass_gui.core.clock import Clock, utc_iso
from breakglass_gui.core.config import Approver, Config
from breakglass_gui.core.errors import ApprovalError
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.secret import Secret

log = logging.getLogger(__name__)

Role = Literal["primary", "secondary"]
MAX_FAILURES = 3
LOCKOUT_SECONDS = 300
GRANTED = "approval.granted"


@dataclass(frozen=True)
class Approval:
    role: Role
    approver: str
    name: str
    method: str
    fingerprint: str
    digest: str
    request_id: str
    challenge: str
    at: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_payload(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "approver": self.approver,
            "name": self.name,
            "method": self.method,
            "fingerprint": self.fingerprint,
            "digest": self.digest,
            "request_id": self.request_id,
            "challenge": self.challenge,
            "at": self.at,
            "evidence": self.evidence,
        }


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
    """Checks sign-offs: the common rules here, the proof itself in the approver's method."""

    def __init__(
        self,
        config: Config,
        journal: Journal,
        clock: Clock,
        methods: dict[str, ApprovalMethod],
    ) -> None:
        self._config = config
        self._journal = journal
        self._clock = clock
        self._methods = methods

    def keys(self) -> dict[str, EnrolledKey]:
        return registry_of(self._journal)

    def method_of(self, approver_id: str) -> ApprovalMethod | None:
        """The method this approver signs with (None: not enrolled with an allowed method)."""
        return self._method_for(self.keys().get(approver_id))

    def _method_for(self, key: EnrolledKey | None) -> ApprovalMethod | None:
        """An approver with no enrolled key signs with `totp` where the config allows it (its
        secret lives only in the keyring)."""
        return self._methods.get(key.method if key else "totp")

    @property
    def caveats(self) -> list[str]:
        return [m.caveat for m in self._methods.values() if m.caveat]

    def history(self, approver_id: str, key: EnrolledKey | None) -> History:
        """The approver's record so far; `key` is their enrolled key (its counter counts)."""
        last_step, failures, locked_until = self._journal.approver_state(approver_id)
        counter = key.counter if key else 0
        challenges: set[str] = set()
        signed = []  # every sign-off: on requests, and on registry changes
        for entry in self._journal.of_kinds(GRANTED, ENROLLED, REMOVED):
            p = entry.payload
            signed += [p] if entry.kind == GRANTED else list(p.get("signed_by") or [])
        for p in signed:
            if p.get("approver") != approver_id:
                continue
            challenges.add(str(p.get("challenge", "")))
            if key and p.get("fingerprint") == key.fingerprint:  # this key's counter only
                counter = max(counter, int((p.get("evidence") or {}).get("counter", 0)))
        return History(last_step, failures, locked_until, counter, frozenset(challenges))

    def seconds_locked(self, approver_id: str) -> int:
        _, _, locked_until = self._journal.approver_state(approver_id)
        return max(0, int(locked_until - self._clock.now() + 0.999))

    def sign(
        self,
        request: SignedRequest,
        incident: str | None,
        operator: str,
        role: Role,
        approver_id: str,
        response: Secret,
        other: dict[str, Any] | None,
    ) -> Approval:
        """Verify one sign-off; raises ApprovalError with the reason, journaled by the caller."""
        approver = self._check_roster(operator, role, approver_id, other)
        key = self.keys().get(approver.id)
        method = self._method_for(key)
        if method is None:
            raise ApprovalError(
                f"{approver.name} is enrolled with {key.method if key else 'no key'}, which "
                "this configuration does not accept (approvals.methods).",
                code="approval.method_refused",
                field="approver",
            )
        wait = self.seconds_locked(approver.id)
        if wait:
            raise ApprovalError(
                f"{approver.name} is locked out after {MAX_FAILURES} wrong answers; try again "
                f"in {wait // 60} min {wait % 60:02d} s.",
                code="approval.locked",
                field="code",
            )
        now = self._clock.now()
        if now > request.issued_at + self._config.approvals.request_minutes * 60:
            raise ApprovalError(
                f"The request text expired at {request.not_after}. A new one has been issued: "
                "the approver must sign it.",
                code="approval.expired",
                field="code",
            )
        history = self.history(approver.id, key)
        if request.challenge_hex in history.challenges:
            raise ApprovalError(
                f"{approver.name} already signed this request.",
                code="approval.replay",
                field="code",
            )
        try:
            evidence = method.check(Attempt(approver, key, request, response, history, now))
        except ApprovalError as exc:
            if exc.code in WRONG_ANSWERS:
                raise self._counted(approver, history, incident, now, exc) from None
            raise
        step = int(evidence.get("step", history.last_step))
        if step != history.last_step or history.failures:
            self._journal.set_approver_state(
                approver.id, step, 0, 0.0, incident=incident, why="signed"
            )
        return Approval(
            role,
            approver.id,
            approver.name,
            method.name,
            key.fingerprint if key else "",
            request.digest,
            request.request_id,
            request.challenge_hex,
            utc_iso(now),
            evidence,
        )

    def _counted(
        self,
        approver: Approver,
        history: History,
        incident: str | None,
        now: float,
        exc: ApprovalError,
    ) -> ApprovalError:
        """Journal one more wrong answer; the error to show, with what it led to."""
        failures = history.failures + 1
        locked_until = now + LOCKOUT_SECONDS if failures >= MAX_FAILURES else 0.0
        self._journal.set_approver_state(
            approver.id,
            history.last_step,
            0 if locked_until else failures,
            locked_until,
            incident=incident,
            why=exc.code,
        )
        if locked_until:
            self._journal.append(
                incident,
                "approver.locked_out",
                {"approver": approver.id, "until": utc_iso(locked_until)},
            )
            return ApprovalError(
                f"{exc.message} {approver.name} is now locked out for 5 minutes after "
                f"{MAX_FAILURES} wrong answers.",
                code="approval.locked",
                field=exc.field,
            )
        left = MAX_FAILURES - failures
        return ApprovalError(
            f"{exc.message} {left} attempt{'s' if left > 1 else ''} left before a 5-minute "
            "lockout.",
            code=exc.code,
            field=exc.field,
        )

    def _check_roster(
        self, operator_id: str, role: Role, approver_id: str, other: dict[str, Any] | None
    ) -> Approver:
        approver = self._config.approver(approver_id)
        if approver is None:
            raise ApprovalError(
                f'"{approver_id}" is not on the approver roster.',
                code="approval.unknown",
                field="approver",
            )
        operator = self._config.operator(operator_id)
        if approver.id == operator_id or (
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
