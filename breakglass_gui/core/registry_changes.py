"""Changes of the approver key registry signed by the current approvers (issue 18, item 3).

Enrolling, replacing or removing an approver's key is a change text, like a request text,
signed by an enrolled approver of each role (two different people) with the methods they
approve with. Only the first approver of a role is enrolled without signatures (there is no
one to sign yet). The text names the registry's hash before the change, so a signed change
applies once and only to the registry it was signed for. Every change is refused while an
incident is open, journaled with its signatures, announced on every notification channel and
listed in the next incident's review.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from breakglass_gui.core.approval_request import (
    RequestTextError,
    SignedRequest,
    new_request_id,
    parse_text,
    render_text,
)
from breakglass_gui.core.approvals import ApprovalDesk
from breakglass_gui.core.approver_keys import (
    ENROLLED,
    REMOVED,
    EnrolledKey,
    registry_hash,
    role_enrolled_before,
)
from breakglass_gui.core.clock import Clock, utc_iso
from breakglass_gui.core.config import Config
from breakglass_gui.core.enrolment import refuse_during_an_incident
from breakglass_gui.core.errors import ApprovalError, EnrolmentError
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.key_enrolment import KeyEnrolment
from breakglass_gui.core.secret import Secret

HEADER = "Break Glass approver registry change"
FORMAT = "breakglass-registry-change/1"
FIELDS = (
    "format",
    "change-id",
    "action",
    "approver",
    "role",
    "method",
    "fingerprint",
    "registry-hash",
    "not-after",
)
ACTIONS = ("enrol", "remove")

# Publishes one notice on every channel: (subject, message) → each channel's outcome.
Notify = Callable[[str, dict[str, Any]], list[dict[str, Any]]]


@dataclass(frozen=True)
class Change:
    action: str
    key: EnrolledKey  # the key enrolled, or the key removed


def change_text(change: Change, registry: str, not_after: float, issued_at: float) -> SignedRequest:
    values = {
        "format": FORMAT,
        "change-id": new_request_id().replace("R-", "C-"),
        "action": change.action,
        "approver": change.key.approver,
        "role": change.key.role,
        "method": change.key.method,
        "fingerprint": change.key.fingerprint,
        "registry-hash": registry,
        "not-after": utc_iso(not_after),
    }
    text = render_text(HEADER, values, frozenset())
    return SignedRequest(values["change-id"], text, values["not-after"], registry, issued_at)


class RegistryChanges:
    def __init__(
        self,
        config: Config,
        journal: Journal,
        clock: Clock,
        desk: ApprovalDesk,
        enrolment: KeyEnrolment,
        notify: Notify | None = None,
    ) -> None:
        self._config = config
        self._journal = journal
        self._clock = clock
        self._desk = desk
        self._enrolment = enrolment
        self._notify = notify

    def needs_signatures(self, change: Change) -> bool:
        """Every change but the very first enrolment of a role in this journal. (Were it the
        first since the role was emptied, removing its approvers would reopen the door:
        removing the last approver of a role is refused instead.)"""
        if change.action != "enrol":
            return True
        return role_enrolled_before(self._journal.of_kinds(ENROLLED), change.key.role)

    def _refuse_emptying_a_role(self, change: Change) -> None:
        keys = self._enrolment.keys()
        others = [k for k in keys.values() if k.role == change.key.role]
        if change.action == "remove" and [k.approver for k in others] == [change.key.approver]:
            raise EnrolmentError(
                f"{change.key.approver} is the last {change.key.role} approver: enrol another "
                "one first (no role may be left without an approver).",
                code="enrolment.last_of_role",
            )

    def prepare(self, change: Change) -> SignedRequest:
        """The text the current approvers sign for this change."""
        refuse_during_an_incident(self._journal)
        self._refuse_emptying_a_role(change)
        now = self._clock.now()
        ttl = self._config.approvals.request_minutes * 60
        return change_text(change, self.registry_hash(), now + ttl, now)

    def registry_hash(self) -> str:
        return registry_hash(self._enrolment.keys())

    def apply(
        self,
        change: Change,
        text: str | None = None,
        signatures: Sequence[tuple[str, Secret]] = (),
    ) -> EnrolledKey:
        """Make the change if `signatures` (approver id, answer) on `text` allow it."""
        refuse_during_an_incident(self._journal)
        self._refuse_emptying_a_role(change)
        signed_by: list[dict[str, Any]] = []
        change_id = ""
        if self.needs_signatures(change):
            if text is None:
                raise EnrolmentError(
                    "This change needs the signatures of a primary and a secondary approver: "
                    "prepare its text, have them sign it, then apply it with their signatures.",
                    code="enrolment.unsigned",
                )
            signed = self._check_text(change, text)
            change_id = signed.request_id
            signed_by = self._signatures(signed, signatures)
        before = self.registry_hash()
        key = change.key
        extra = {"change_id": change_id, "signed_by": signed_by, "registry_before": before}
        if change.action == "enrol":
            self._enrolment.record(key, extra)
        else:
            self._enrolment.remove(key, extra)
        self._announce(change, before, signed_by)
        return key

    def _check_text(self, change: Change, text: str) -> SignedRequest:
        try:
            fields = parse_text(text, HEADER, FIELDS, frozenset())
        except RequestTextError as exc:
            raise EnrolmentError(f"That is not a registry change text: {exc}.") from None
        expected = {
            "format": FORMAT,
            "action": change.action,
            "approver": change.key.approver,
            "role": change.key.role,
            "method": change.key.method,
            "fingerprint": change.key.fingerprint,
            "registry-hash": self.registry_hash(),
        }
        wrong = [k for k, v in expected.items() if fields[k] != v]
        if wrong:
            raise EnrolmentError(
                "The signed text is for another change or another registry "
                f"({', '.join(wrong)} differ): prepare it again.",
                code="enrolment.stale",
            )
        ttl = self._config.approvals.request_minutes * 60
        from datetime import datetime

        not_after = datetime.fromisoformat(fields["not-after"].replace("Z", "+00:00"))
        issued_at = not_after.timestamp() - ttl
        return SignedRequest(
            fields["change-id"], text, fields["not-after"], expected["registry-hash"], issued_at
        )

    def _signatures(
        self, signed: SignedRequest, signatures: Sequence[tuple[str, Secret]]
    ) -> list[dict[str, Any]]:
        approvals: list[dict[str, Any]] = []
        for approver_id, answer in signatures:
            approver = self._config.approver(approver_id)
            if approver is None:
                raise ApprovalError(f'"{approver_id}" is not on the approver roster.')
            other = approvals[0] if approvals else None
            approval = self._desk.sign(signed, None, "", approver.role, approver.id, answer, other)
            approvals.append(approval.as_payload())
        roles = sorted(a["role"] for a in approvals)
        if roles != ["primary", "secondary"]:
            raise ApprovalError(
                "A registry change needs one primary and one secondary signature "
                f"(given: {', '.join(roles) or 'none'}).",
                code="approval.roles",
            )
        return approvals

    def _announce(self, change: Change, before: str, signed_by: list[dict[str, Any]]) -> None:
        if self._notify is None:
            return
        seq, head = self._journal.head()
        kind = ENROLLED if change.action == "enrol" else REMOVED
        message = {
            "event": kind,
            "approver": change.key.approver,
            "role": change.key.role,
            "method": change.key.method,
            "fingerprint": change.key.fingerprint,
            "registry_hash_before": before,
            "registry_hash": self.registry_hash(),
            "signed_by": [f"{a['role']}: {a['approver']}" for a in signed_by],
            "journal_seq": seq,
            "journal_chain_hash": head,
        }
        verb = "enrolled" if change.action == "enrol" else "removed"
        subject = f"Break Glass: approver {change.key.approver} {verb}"
        for outcome in self._notify(subject, message):
            sent = "notification.sent" if outcome.get("sent") else "notification.failed"
            self._journal.append(None, sent, {"event": kind, **outcome})
