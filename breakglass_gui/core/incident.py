"""The incident state machine of docs/rules.md §1, rebuilt from the journal (the journal is the
truth).

An incident's state is never stored anywhere but in its `incident.transition` entries, so a
relaunch after a crash sees exactly what was durably recorded and nothing more.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from breakglass_gui.core.canonical import digest
from breakglass_gui.core.chain import TRANSITION, Entry

REQUEST_KINDS = frozenset(
    {
        "incident.request_amended",
        "operator.proven",
        "operator.unproven",
        "approval.requested",
        "approval.granted",
        "approval.reapproved",
    }
)


class State(StrEnum):
    DECLARED = "DECLARED"
    APPROVED = "APPROVED"
    VAULT_UNLOCKED = "VAULT_UNLOCKED"
    MFA_VERIFIED = "MFA_VERIFIED"
    ACTIVE = "ACTIVE"
    ENDING = "ENDING"
    REVOKED = "REVOKED"
    ROTATED = "ROTATED"
    REVIEWED = "REVIEWED"
    CLOSED = "CLOSED"
    ABORTED = "ABORTED"


ORDER = [s for s in State if s is not State.ABORTED]
BEFORE_ACTIVE = frozenset(ORDER[: ORDER.index(State.ACTIVE)])
ALLOWED: dict[State, frozenset[State]] = {
    state: frozenset({ORDER[i + 1]} | ({State.ABORTED} if state in BEFORE_ACTIVE else set()))
    for i, state in enumerate(ORDER[:-1])
}
ALLOWED[State.CLOSED] = frozenset()
ALLOWED[State.ABORTED] = frozenset()


INCIDENT_ID = re.compile(r"^BG-\d{8}-[A-Z0-9]{4}$", re.ASCII)
_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over a phone bridge


def new_incident_id(now: float, taken: Iterable[str] = ()) -> str:
    import secrets  # when an incident is declared, not at start (docs/rules.md §13)

    day = datetime.fromtimestamp(now, tz=UTC).strftime("%Y%m%d")
    used = set(taken)
    while True:
        suffix = "".join(secrets.choice(_ID_ALPHABET) for _ in range(4))
        candidate = f"BG-{day}-{suffix}"
        if candidate not in used:
            return candidate


@dataclass(frozen=True)
class Request:
    """What the approvers sign: its digest binds every approval to these exact values."""

    incident_id: str
    emergency_type: str
    other_text: str
    justification: str
    reference: str
    operator: str
    duration_seconds: int
    accounts: tuple[str, ...] = ()

    def as_payload(self) -> dict[str, Any]:
        return {
            "incident_id": self.incident_id,
            "emergency_type": self.emergency_type,
            "other_text": self.other_text,
            "justification": self.justification,
            "reference": self.reference,
            "operator": self.operator,
            "duration_seconds": self.duration_seconds,
            "accounts": list(self.accounts),
        }

    @property
    def digest(self) -> str:
        return digest(self.as_payload())

    @property
    def short_digest(self) -> str:
        """The form approvers compare by eye: 4 groups of 4 hex digits."""
        d = self.digest[:16].upper()
        return " ".join(d[i : i + 4] for i in range(0, 16, 4))

    @classmethod
    def from_payload(cls, p: dict[str, Any]) -> Request:
        return cls(
            incident_id=str(p["incident_id"]),
            emergency_type=str(p["emergency_type"]),
            other_text=str(p.get("other_text", "")),
            justification=str(p["justification"]),
            reference=str(p.get("reference", "")),
            operator=str(p["operator"]),
            duration_seconds=int(p["duration_seconds"]),
            accounts=tuple(str(a) for a in p.get("accounts", [])),
        )


@dataclass
class SessionRecord:
    """A role session that existed in AWS for this incident (no credentials: metadata only)."""

    account: str
    purpose: str
    role_arn: str
    issued: str
    expires: str
    source_identity: str


@dataclass
class Incident:
    """An incident as the journal tells it."""

    id: str
    request: Request
    state: State = State.DECLARED
    approvals: list[dict[str, Any]] = field(default_factory=list)
    # What proved (or did not prove) the operator's identity: the operator.proven/unproven
    # entry's payload ({} before the first Vault login).
    operator_proof: dict[str, Any] = field(default_factory=dict)
    # The request text on record for signature (core/approval_request.py's payload), if any.
    approval_request: dict[str, Any] = field(default_factory=dict)
    vault_user: str = ""
    mfa_serial: str = ""
    vault_version: int = 0
    accounts: list[str] = field(default_factory=list)
    sessions: list[SessionRecord] = field(default_factory=list)
    done_effects: dict[str, dict[str, Any]] = field(default_factory=dict)
    open_intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed_effects: dict[str, dict[str, Any]] = field(default_factory=dict)
    role_sessions_requested: bool = False
    declared_at: str = ""
    transitions: list[tuple[str, str]] = field(default_factory=list)
    # Vault tokens by accessor: held by this run (not revoked yet), and left behind by a crash.
    live_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    orphaned_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    vault_server: dict[str, str] = field(default_factory=dict)  # version, cluster_name
    # Replay checks every transition (`transition_problem`): the first impossible one is
    # `tampering` ("entry N: why"), and transitions after it are not believed until the app has
    # journaled that it saw it (`incident.tampering_detected`), so a forged CLOSED leaves the
    # incident where the evidence ends and the next launch recovers it.
    tampering: str = ""
    tampering_seq: int = 0
    tampering_acknowledged: bool = False
    distrusted: bool = False
    # The last review.exported payload: the files written and the chain hash the review ends on.
    exported: dict[str, Any] = field(default_factory=dict)
    # Notices journaled as owed and not yet answered on every channel (notice id → the queued
    # payload, with "left": the channels still to answer); core/notifications/announcer.py.
    queued_notices: dict[str, dict[str, Any]] = field(default_factory=dict)
    approved_digest: str = ""  # the request digest the APPROVED transition records

    @property
    def finished(self) -> bool:
        return self.state in (State.CLOSED, State.ABORTED)

    def reached(self, state: State) -> bool:
        return (
            state is not State.ABORTED
            and self.state in ORDER
            and (ORDER.index(self.state) >= ORDER.index(state))
        )

    def done(self, effect_key: str) -> bool:
        return effect_key in self.done_effects

    def accounts_used(self) -> list[str]:
        """Every account a role session was (or may have been) issued in, targets first."""
        seen: list[str] = []
        for account in [*self.accounts, *(s.account for s in self.sessions)]:
            if account not in seen:
                seen.append(account)
        for key in [*self.done_effects, *self.open_intents, *self.failed_effects]:
            if key.startswith("sts.assume_role:"):
                account = key.split(":")[1]
                if account not in seen:
                    seen.append(account)
        return seen

    @classmethod
    def replay(cls, entries: Iterable[Entry]) -> Incident:
        """Rebuild an incident from its journal entries, in order."""
        incident: Incident | None = None
        for entry in entries:
            if entry.kind == "incident.declared":
                incident = cls(
                    id=str(entry.incident),
                    request=Request.from_payload(entry.payload),
                    declared_at=entry.ts,
                )
                continue
            if incident is None:
                continue
            incident.apply(entry)
        if incident is None:
            raise LookupError("no incident.declared entry")
        return incident

    @property
    def source_identity(self) -> str:
        """What AWS records as the role sessions' SourceIdentity: the identity Vault proved,
        else the operator's roster id (docs/rules.md §2.5). SourceIdentity allows letters,
        digits and `_+=,.@-`, 2 to 64 of them (STS API Reference, AssumeRole)."""
        identity = str(self.operator_proof.get("vault_identity") or self.request.operator)
        return re.sub(r"[^\w+=,.@-]", "-", identity)[:64]

    @property
    def awaiting_approval(self) -> bool:
        """Sign-offs are wanted now: a new incident, or (while access is open) a request widened
        to more accounts, which needs a new pair of signatures before anything else is done."""
        if self.state is State.DECLARED:
            return True
        return self.state is State.ACTIVE and bool(self.unapproved_change())

    def unapproved_change(self) -> str:
        """Why the current request is not the one the approvers signed ("" if it is): checked
        before every Vault read and every AssumeRole (issue 18 (f)). From ENDING on, nothing is
        refused: revoking and rotating must never wait for a signature."""
        if not self.reached(State.APPROVED) or self.reached(State.ENDING):
            return ""
        if not self.approved_digest:
            return "no approved request on record"
        if self.request.digest != self.approved_digest:
            return "the request changed after it was approved"
        signed = {a["role"] for a in self.approvals if a.get("digest") == self.approved_digest}
        if signed != {"primary", "secondary"}:
            return "the approvals on record do not cover the approved request"
        return ""

    def transition_problem(self, to: State, payload: dict[str, Any]) -> str:
        """Why the journal cannot truthfully say the incident went to `to` now ("" if it can):
        not a step of the procedure, or a step without the evidence it follows from."""
        current = self.state
        if to not in ALLOWED[current]:
            return f"{current.value} → {to.value} is not a step of the procedure"
        recovery = str(payload.get("reason", "")).startswith("recovery:")
        if recovery:
            if to in BEFORE_ACTIVE | {State.ACTIVE} and self.role_sessions_requested:
                return ""
            return f"a recovery step to {to.value} without a role session requested"
        if to is State.APPROVED:
            signed = {a["role"] for a in self.approvals if a.get("digest") == self.request.digest}
            if signed != {"primary", "secondary"}:
                return "APPROVED without both sign-offs on the request"
            ids = {a.get("request_id") for a in self.approvals}
            if self.approval_request and ids != {self.approval_request.get("request_id")}:
                return "APPROVED with sign-offs on different request texts"
        elif to is State.VAULT_UNLOCKED and not self.vault_user:
            return "VAULT_UNLOCKED without the break-glass record read"
        elif to is State.REVOKED and not any(
            k.startswith("revoke.user:") for k in self.done_effects
        ):
            return "REVOKED without the user's sessions revoked"
        elif to is State.ROTATED:
            missing = [
                f"revoke.role:{a}"
                for a in self.accounts_used()
                if not self.done(f"revoke.role:{a}")
            ]
            missing += [
                step
                for step in ("rotate:", "verify.user:")
                if not any(k.startswith(step) for k in self.done_effects)
            ]
            if missing:
                return f"ROTATED without {', '.join(missing)}"
        elif to is State.REVIEWED and not self.exported:
            return "REVIEWED without a review exported"
        elif to is State.ABORTED and self.role_sessions_requested:
            return "ABORTED although a role session may exist"
        return ""

    def apply(self, entry: Entry) -> None:
        p = entry.payload
        kind = entry.kind
        if kind == TRANSITION:
            self._apply_transition(entry)
        elif kind == "incident.tampering_detected":
            self.distrusted = False  # the app saw it; what follows is checked afresh
            self.tampering_acknowledged = True
        elif kind == "review.exported":
            self.exported = dict(p)
        elif kind.startswith("notification."):
            self._apply_notice(kind, p)
        elif kind in REQUEST_KINDS:
            self._apply_request(kind, p)
        elif kind == "vault.record_read":
            self.vault_user = str(p["user"])
            self.mfa_serial = str(p["mfa_serial"])
            self.vault_version = int(p["version"])
        elif kind == "incident.accounts":
            self.accounts = [str(a) for a in p["accounts"]]
        elif kind == "session.issued":
            self.sessions.append(
                SessionRecord(
                    account=str(p["account"]),
                    purpose=str(p["purpose"]),
                    role_arn=str(p["role_arn"]),
                    issued=str(p["issued"]),
                    expires=str(p["expires"]),
                    source_identity=str(p["source_identity"]),
                )
            )
        elif kind == "effect.intent":
            key = str(p["key"])
            self.open_intents[key] = dict(p)
            if key.startswith("sts.assume_role:"):
                self.role_sessions_requested = True
            if p.get("effect") == "vault.revoke_accessor":
                self.orphaned_tokens.get(str(p["accessor"]), {})["revoke_tried"] = True
        elif kind == "effect.outcome":
            key = str(p["key"])
            self.open_intents.pop(key, None)
            if p.get("ok"):
                self.done_effects[key] = dict(p)
                self.failed_effects.pop(key, None)
                self._track_token(str(p.get("effect", "")), p.get("evidence") or {})
            else:
                self.failed_effects[key] = dict(p)
        elif kind == "vault.token_orphaned":
            accessor = str(p["accessor"])
            self.live_tokens.pop(accessor, None)
            self.orphaned_tokens[accessor] = {"expires_at": str(p.get("lapses_at", ""))}
        elif kind == "vault.token_lapsed":
            self.live_tokens.pop(str(p["accessor"]), None)
        elif kind == "vault.server":
            self.vault_server = {k: str(v) for k, v in p.items()}

    def _apply_notice(self, kind: str, p: dict[str, Any]) -> None:
        """A notice owed, or one channel's outcome for an owed notice."""
        notice = str(p.get("notice", ""))
        if kind == "notification.queued":
            self.queued_notices[notice] = {**p, "left": [str(c) for c in p.get("channels", [])]}
        elif notice in self.queued_notices:  # notification.sent or .failed
            queued = self.queued_notices[notice]
            queued["left"] = [c for c in queued["left"] if c != p.get("channel")]
            if not queued["left"]:
                del self.queued_notices[notice]

    def _apply_request(self, kind: str, p: dict[str, Any]) -> None:
        """The request, who signed it and who the operator proved to be."""
        if kind == "incident.request_amended":
            self.request = Request.from_payload(p["request"])
            self.approvals = [a for a in self.approvals if a["digest"] == self.request.digest]
        elif kind in ("operator.proven", "operator.unproven"):
            self.operator_proof = {"proven": kind == "operator.proven", **p}
        elif kind == "approval.requested":
            self.approval_request = dict(p)
            self.approvals = [a for a in self.approvals if a.get("request_id") == p["request_id"]]
        elif kind == "approval.granted":
            self.approvals = [a for a in self.approvals if a["role"] != p["role"]] + [dict(p)]
        elif kind == "approval.reapproved":
            # A widened request signed again while access was open; taken only if both
            # sign-offs on that very request are on record (a forged entry changes nothing).
            digest = str(p.get("digest", ""))
            signed = {a["role"] for a in self.approvals if a.get("digest") == digest}
            if digest == self.request.digest and signed == {"primary", "secondary"}:
                self.approved_digest = digest

    def _apply_transition(self, entry: Entry) -> None:
        to = State(entry.payload["to"])
        if self.distrusted:
            return
        first = not self.transitions and to is State.DECLARED and entry.payload.get("from") is None
        problem = "" if first else self.transition_problem(to, entry.payload)
        if problem:
            if not self.tampering:
                self.tampering, self.tampering_seq = f"entry {entry.seq}: {problem}", entry.seq
            self.distrusted = True
            return
        self.state = to
        self.transitions.append((to.value, entry.ts))
        if to is State.APPROVED:
            self.approved_digest = str(entry.payload.get("digest", ""))

    def _track_token(self, effect: str, evidence: dict[str, Any]) -> None:
        accessor = str(evidence.get("accessor", ""))
        if not accessor:
            return
        if effect in ("vault.login", "vault.renew_token"):
            self.live_tokens[accessor] = {"expires_at": str(evidence.get("expires_at", ""))}
        elif effect == "vault.revoke_token":
            self.live_tokens.pop(accessor, None)
        elif effect == "vault.revoke_accessor":
            self.orphaned_tokens.get(accessor, {})["revoked"] = True
