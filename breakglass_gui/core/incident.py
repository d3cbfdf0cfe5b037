"""The incident state machine of docs/rules.md §1, rebuilt from the journal (the journal is the
truth).

An incident's state is never stored anywhere but in its `incident.transition` entries, so a
relaunch after a crash sees exactly what was durably recorded and nothing more.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from breakglass_gui.core.canonical import digest
from breakglass_gui.core.journal import TRANSITION, Entry


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

    def apply(self, entry: Entry) -> None:
        p = entry.payload
        kind = entry.kind
        if kind == TRANSITION:
            self.state = State(p["to"])
            self.transitions.append((str(p["to"]), entry.ts))
        elif kind == "incident.request_amended":
            self.request = Request.from_payload(p["request"])
            self.approvals = [a for a in self.approvals if a["digest"] == self.request.digest]
        elif kind == "approval.granted":
            self.approvals = [a for a in self.approvals if a["role"] != p["role"]] + [dict(p)]
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
