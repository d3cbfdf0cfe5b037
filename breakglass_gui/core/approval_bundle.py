"""The approval bundle (issue 18, item 2): the request text, both sign-offs with their
signatures, and the key fingerprints, in one JSON file exported beside the review, and its
offline check with nothing but the approvers' public keys (`main.py verify-approvals`).

The keys file is the auditor's, not the workstation's: they build it from keys the approvers
gave them (or compare `main.py approvers list --json` with the approvers, fingerprint by
fingerprint). A bundle checked against keys from the workstation proves only that the
workstation is consistent with itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from breakglass_gui.core.approval_request import RequestTextError, read_fields
from breakglass_gui.core.approver_keys import EnrolledKey
from breakglass_gui.core.config import Approver, Operator
from breakglass_gui.core.signatures import SignatureError

FORMAT = "breakglass-approval-bundle/1"
KEYS_FORMAT = "breakglass-approver-keys/1"
ROLES = ("primary", "secondary")


def bundle(
    incident: str,
    request: dict[str, Any],
    approvals: list[dict[str, Any]],
    keys: dict[str, EnrolledKey],
) -> dict[str, Any]:
    """The bundle for one incident's approved request (`request`: the `approval.requested`
    payload; `approvals`: the `approval.granted` payloads on it)."""
    return {
        "format": FORMAT,
        "incident": incident,
        "request": {
            "request_id": request.get("request_id", ""),
            "text": request.get("text", ""),
            "not_after": request.get("not_after", ""),
        },
        "approvals": [
            {
                k: a.get(k, "")
                for k in ("role", "approver", "name", "method", "fingerprint", "at", "evidence")
            }
            for a in sorted(approvals, key=lambda a: ROLES.index(a["role"]))
        ],
        "keys": [keys[a["approver"]].as_payload() for a in approvals if a["approver"] in keys],
    }


@dataclass(frozen=True)
class KeyEntry:
    """One approver in the auditor's keys file."""

    id: str
    email: str
    role: str
    aws_infrastructure: bool
    key: EnrolledKey


@dataclass
class KeysFile:
    approvers: dict[str, KeyEntry] = field(default_factory=dict)
    operators: dict[str, str] = field(default_factory=dict)  # id → e-mail

    @classmethod
    def from_json(cls, data: Any) -> KeysFile:
        if not isinstance(data, dict) or data.get("format") != KEYS_FORMAT:
            raise ValueError(f'not a keys file (its "format" must be "{KEYS_FORMAT}")')
        out = cls()
        for a in data.get("approvers", []):
            key = EnrolledKey.from_payload({**a, "approver": a["id"]})
            out.approvers[str(a["id"])] = KeyEntry(
                str(a["id"]),
                str(a.get("email", "")).lower(),
                str(a["role"]),
                bool(a.get("aws_infrastructure", False)),
                key,
            )
        for o in data.get("operators", []):
            out.operators[str(o["id"])] = str(o.get("email", "")).lower()
        return out


def keys_file(
    approvers: Sequence[Approver], operators: Sequence[Operator], keys: dict[str, EnrolledKey]
) -> dict[str, Any]:
    """A keys file from this workstation's roster and registry (`approvers list --json`)."""
    own = ("approver", "role")
    return {
        "format": KEYS_FORMAT,
        "approvers": [
            {
                "id": a.id,
                "name": a.name,
                "email": a.email,
                "role": a.role,
                "aws_infrastructure": a.aws_infrastructure,
                **{k: v for k, v in keys[a.id].as_payload().items() if k not in own},
            }
            for a in approvers
            if a.id in keys
        ],
        "operators": [{"id": o.id, "email": o.email} for o in operators],
    }


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _signature_problem(approval: dict[str, Any], entry: KeyEntry, text: str) -> str:
    key = entry.key
    method = str(approval.get("method", ""))
    evidence = approval.get("evidence") or {}
    if method != key.method:
        return f"signed with {method or 'nothing'}, but the keys file has a {key.method} key"
    try:
        if "signature" in evidence:
            from breakglass_gui.core.signatures import ssh

            ssh.verify(text, str(evidence["signature"]), key.public_key)
            return ""
        if "assertion" in evidence:
            from breakglass_gui.core.signatures import webauthn

            webauthn.verify(
                webauthn.Assertion.from_payload(evidence["assertion"]),
                public_key=key.public_key,
                credential_id=key.credential_id,
                rp_id=key.rp_id,
                challenge=hashlib.sha256(text.encode("utf-8")).digest(),
            )
            return ""
    except SignatureError as exc:
        return str(exc)
    return f"a {method} approval carries no signature an auditor can check"


def verify_bundle(data: Any, keys: KeysFile) -> list[str]:
    """Every reason the bundle does not prove two-person approval ([] if it does)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return [f'not an approval bundle (its "format" must be "{FORMAT}")']
    request = data.get("request") or {}
    text = str(request.get("text", ""))
    try:
        fields = read_fields(text)
    except RequestTextError as exc:
        return [f"the request text: {exc}"]
    problems = []
    if fields["request-id"] != request.get("request_id"):
        problems.append("the request id differs from the request text's")
    if fields["incident"] != data.get("incident"):
        problems.append("the incident differs from the request text's")
    operator = fields["operator"]
    approvals = [a for a in data.get("approvals", []) if isinstance(a, dict)]
    roles = sorted(str(a.get("role")) for a in approvals)
    if roles != sorted(ROLES):
        problems.append(f"needs one primary and one secondary sign-off, found {roles or 'none'}")
    people: list[KeyEntry] = []
    for a in approvals:
        who = str(a.get("approver", ""))
        where = f"{a.get('role')} sign-off by {who}"
        entry = keys.approvers.get(who)
        if entry is None:
            problems.append(f"{where}: not in the keys file")
            continue
        people.append(entry)
        if who == operator or (entry.email and entry.email == keys.operators.get(operator)):
            problems.append(f"{where}: the operator cannot approve")
        if entry.role != a.get("role"):
            problems.append(f"{where}: the keys file says {who} is a {entry.role} approver")
        if a.get("role") == "secondary" and entry.aws_infrastructure:
            problems.append(f"{where}: involved with the AWS infrastructure")
        if a.get("fingerprint") and a.get("fingerprint") != entry.key.fingerprint:
            problems.append(f"{where}: signed with another key than the keys file's")
        problem = _signature_problem(a, entry, text)
        if problem:
            problems.append(f"{where}: {problem}")
        try:
            if _time(str(a.get("at", ""))) > _time(fields["not-after"]):
                problems.append(f"{where}: signed after the request's not-after time")
        except ValueError:
            problems.append(f"{where}: no readable signing time")
    if len(people) == 2:
        first, second = people
        if first.id == second.id or (first.email and first.email == second.email):
            problems.append("both sign-offs are by the same person")
        if first.key.fingerprint == second.key.fingerprint:
            problems.append("both sign-offs are by the same key")
    return problems
