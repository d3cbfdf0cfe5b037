"""The request text approvers sign (docs/rules.md §2.2): one fixed format, the same for every
signature method, readable by a person and parsed back by an offline verifier.

Every value that is free text (the justification, the "Other" description, names from the config)
is written as a JSON string, so a newline in it cannot forge a line; ids, numbers, ARNs and hashes
are written bare. The request id is random and the not-after time bounds when a signature is
accepted, so a signature for one request is useless for any other (issue 18, item 1).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from breakglass_gui.core.clock import utc_iso
from breakglass_gui.core.incident import Request

FORMAT = "breakglass-approval/1"
NAMESPACE = "breakglass-approval"  # the ssh-keygen -Y sign namespace (-n)
HEADER = "Break Glass approval request"
FIELDS = (
    "format",
    "request-id",
    "incident",
    "operator",
    "emergency",
    "justification",
    "reference",
    "accounts",
    "duration-seconds",
    "not-after",
    "journal-head",
    "request-digest",
)
QUOTED = frozenset({"emergency", "justification", "reference"})


class RequestTextError(ValueError):
    """The text is not a request in this format (an offline verifier's finding)."""


@dataclass(frozen=True)
class SignedRequest:
    """A request as issued for signature: its text is what every method signs."""

    request_id: str
    text: str
    not_after: str
    digest: str  # the Request's digest, which the approvals are also bound to
    issued_at: float

    @property
    def challenge(self) -> bytes:
        """SHA-256 of the text: the FIDO2 challenge and the id of 'this request' everywhere."""
        return hashlib.sha256(self.text.encode("utf-8")).digest()

    @property
    def challenge_hex(self) -> str:
        return self.challenge.hex()

    def as_payload(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "text": self.text,
            "not_after": self.not_after,
            "digest": self.digest,
            "challenge": self.challenge_hex,
            "issued_at": self.issued_at,
        }

    @classmethod
    def from_payload(cls, p: dict[str, Any]) -> SignedRequest:
        return cls(
            str(p["request_id"]),
            str(p["text"]),
            str(p["not_after"]),
            str(p["digest"]),
            float(p.get("issued_at", 0.0)),
        )


def new_request_id() -> str:
    return "R-" + secrets.token_hex(8).upper()


def render(
    request: Request,
    *,
    request_id: str,
    role_arns: dict[str, str],
    not_after: float,
    journal_head: str,
    issued_at: float,
) -> SignedRequest:
    """The request text for `request`; `role_arns` maps each requested account to its role."""
    emergency = request.emergency_type + (f" — {request.other_text}" if request.other_text else "")
    accounts = "; ".join(f"{a} {role_arns[a]}" for a in request.accounts)
    values = {
        "format": FORMAT,
        "request-id": request_id,
        "incident": request.incident_id,
        "operator": request.operator,
        "emergency": emergency,
        "justification": request.justification,
        "reference": request.reference,
        "accounts": accounts,
        "duration-seconds": str(request.duration_seconds),
        "not-after": utc_iso(not_after),
        "journal-head": journal_head,
        "request-digest": request.digest,
    }
    lines = [HEADER] + [
        f"{k}: {json.dumps(v, ensure_ascii=False) if k in QUOTED else v}" for k, v in values.items()
    ]
    return SignedRequest(
        request_id, "\n".join(lines) + "\n", values["not-after"], request.digest, issued_at
    )


def read_fields(text: str) -> dict[str, str]:
    """The fields of a request text, checked to be exactly this format (offline verification)."""
    out = parse_text(text, HEADER, FIELDS, QUOTED)
    if out["format"] != FORMAT:
        raise RequestTextError(f'unknown format "{out["format"]}"')
    return out


def render_text(header: str, values: dict[str, str], quoted: frozenset[str]) -> str:
    lines = [header] + [
        f"{k}: {json.dumps(v, ensure_ascii=False) if k in quoted else v}" for k, v in values.items()
    ]
    return "\n".join(lines) + "\n"


def parse_text(
    text: str, header: str, fields: tuple[str, ...], quoted: frozenset[str]
) -> dict[str, str]:
    """A fixed-format text's fields: exactly these, in this order, under this header."""
    lines = text.split("\n")
    if not text.endswith("\n") or lines[0] != header:
        raise RequestTextError(f'not a "{header}"')
    body = lines[1:-1]
    if len(body) != len(fields):
        raise RequestTextError(f"expected {len(fields)} fields, found {len(body)}")
    out: dict[str, str] = {}
    for name, line in zip(fields, body, strict=True):
        key, sep, value = line.partition(": ")
        if key != name or not sep:
            raise RequestTextError(f'expected the field "{name}", found "{key}"')
        if name in quoted:
            try:
                decoded = json.loads(value)
            except ValueError:
                raise RequestTextError(f'the field "{name}" is not a quoted string') from None
            if not isinstance(decoded, str):
                raise RequestTextError(f'the field "{name}" is not a quoted string')
            value = decoded
        out[name] = value
    return out
