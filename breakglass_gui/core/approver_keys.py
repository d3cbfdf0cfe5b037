"""The approver key registry: which public key (and method) each roster member approves with.

The registry is nothing but the journal's chained `approver.enrolled` and `approver.removed`
entries, replayed: editing it on disk breaks the chain (`verify`), and its hash goes into every
checkpoint. Only public keys are stored; TOTP enrolments carry no key (the secret is in the
keyring), which is exactly their weakness (docs/threat-model.md).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from breakglass_gui.core.canonical import digest
from breakglass_gui.core.chain import Entry
from breakglass_gui.core.journal import Journal

ENROLLED = "approver.enrolled"
REMOVED = "approver.removed"


@dataclass(frozen=True)
class EnrolledKey:
    approver: str
    role: str
    method: str
    public_key: str = ""  # ssh: the OpenSSH public key line; fido2: base64url COSE key
    fingerprint: str = ""
    credential_id: str = ""  # fido2 only (base64url)
    rp_id: str = ""  # fido2 only
    counter: int = 0  # fido2: the signature counter at enrolment

    def as_payload(self) -> dict[str, Any]:
        return {
            "approver": self.approver,
            "role": self.role,
            "method": self.method,
            "public_key": self.public_key,
            "fingerprint": self.fingerprint,
            "credential_id": self.credential_id,
            "rp_id": self.rp_id,
            "counter": self.counter,
        }

    @classmethod
    def from_payload(cls, p: dict[str, Any]) -> EnrolledKey:
        return cls(
            approver=str(p["approver"]),
            role=str(p.get("role", "")),
            method=str(p.get("method", "totp")),  # entries from before signed approvals
            public_key=str(p.get("public_key", "")),
            fingerprint=str(p.get("fingerprint", "")),
            credential_id=str(p.get("credential_id", "")),
            rp_id=str(p.get("rp_id", "")),
            counter=int(p.get("counter", 0)),
        )


def registry_from(entries: Iterable[Entry]) -> dict[str, EnrolledKey]:
    """The registry after these entries (in journal order)."""
    keys: dict[str, EnrolledKey] = {}
    for entry in entries:
        approver = str(entry.payload.get("approver", ""))
        if entry.kind == ENROLLED:
            keys[approver] = EnrolledKey.from_payload(entry.payload)
        elif entry.kind == REMOVED:
            keys.pop(approver, None)
    return keys


def registry_of(journal: Journal) -> dict[str, EnrolledKey]:
    """The registry as the journal has it now. Read again only when the journal has grown
    since the last read (its head moved): the approvals page asks on every refresh, on the GUI
    thread, and each notice carries the registry's hash (docs/rules.md §13)."""
    head = journal.head()
    cached = _registries.get(journal)
    if cached is not None and cached[0] == head:
        return dict(cached[1])
    keys = registry_from(journal.of_kinds(ENROLLED, REMOVED))
    _registries[journal] = (head, keys)
    return dict(keys)


# The last registry read per journal object (its head then, the registry); gone with the journal.
_registries: weakref.WeakKeyDictionary[Journal, tuple[tuple[int, str], dict[str, EnrolledKey]]] = (
    weakref.WeakKeyDictionary()
)


def role_enrolled_before(entries: Iterable[Entry], role: str) -> bool:
    """Whether any approver was ever enrolled for `role` (in these journal entries): after
    that, every change of the registry needs the current approvers' signatures."""
    return any(e.kind == ENROLLED and e.payload.get("role") == role for e in entries)


def registry_hash(keys: dict[str, EnrolledKey]) -> str:
    """SHA-256 of the canonical JSON of the registry (sorted by approver id)."""
    return digest([keys[k].as_payload() for k in sorted(keys)])
