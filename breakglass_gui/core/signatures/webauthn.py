"""WebAuthn assertions from a security key, checked as a relying party would (W3C WebAuthn
Level 2, §7.2 "Verifying an Authentication Assertion"), with python-fido2's data types.

What python-fido2's server does not do and this module's callers must: check that the
signature counter grew (§7.2 step 21) and that a challenge is used once. The challenge is the
SHA-256 of the request text, so an assertion binds the key holder to that text. A security key
shows nothing of it, though: the assertion proves presence and consent to "a request", not to
what it says (docs/threat-model.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from fido2 import cbor
from fido2.cose import CoseKey
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import AuthenticatorData, CollectedClientData

from breakglass_gui.core.signatures import SignatureError


def origin_of(rp_id: str) -> str:
    return f"https://{rp_id}"


@dataclass(frozen=True)
class Assertion:
    credential_id: bytes
    authenticator_data: bytes
    client_data: bytes
    signature: bytes

    def as_payload(self) -> dict[str, str]:
        return {
            "credential_id": websafe_encode(self.credential_id),
            "authenticator_data": websafe_encode(self.authenticator_data),
            "client_data": websafe_encode(self.client_data),
            "signature": websafe_encode(self.signature),
        }

    @classmethod
    def from_payload(cls, p: dict[str, Any]) -> Assertion:
        try:
            return cls(
                websafe_decode(str(p["credential_id"])),
                websafe_decode(str(p["authenticator_data"])),
                websafe_decode(str(p["client_data"])),
                websafe_decode(str(p["signature"])),
            )
        except (KeyError, ValueError) as exc:
            raise SignatureError(f"the assertion cannot be read ({exc})") from None


@dataclass(frozen=True)
class Credential:
    """What enrolment keeps of a security key: public data only."""

    credential_id: str  # base64url
    public_key: str  # base64url of the COSE key's CBOR
    counter: int


def encode_key(key: CoseKey) -> str:
    return websafe_encode(cbor.encode(dict(key)))


def decode_key(public_key: str) -> CoseKey:
    try:
        return CoseKey.parse(cast(Mapping[int, Any], cbor.decode(websafe_decode(public_key))))
    except Exception as exc:  # malformed CBOR or an unsupported algorithm
        raise SignatureError(f"not a usable COSE public key ({exc})") from None


def fingerprint(public_key: str) -> str:
    """SHA256:<base64url> of the COSE key bytes (what an approver compares by eye)."""
    raw = hashlib.sha256(websafe_decode(public_key)).digest()
    return "SHA256:" + websafe_encode(raw)


def verify(
    assertion: Assertion,
    *,
    public_key: str,
    credential_id: str,
    rp_id: str,
    challenge: bytes,
) -> int:
    """Check one assertion; returns its signature counter or raises SignatureError."""
    if websafe_encode(assertion.credential_id) != credential_id:
        raise SignatureError("the assertion is from another credential")
    try:
        client = CollectedClientData(assertion.client_data)
        auth = AuthenticatorData(assertion.authenticator_data)
    except Exception as exc:
        raise SignatureError(f"the assertion cannot be read ({exc})") from None
    if client.type != CollectedClientData.TYPE.GET:
        raise SignatureError(f'the client data is "{client.type}", not an assertion')
    if client.challenge != challenge:
        raise SignatureError("the assertion signs another request (challenge mismatch)")
    if client.origin != origin_of(rp_id):
        raise SignatureError(f'the assertion is for the origin "{client.origin}"')
    if auth.rp_id_hash != hashlib.sha256(rp_id.encode()).digest():
        raise SignatureError("the assertion is for another relying party")
    if not auth.is_user_present():
        raise SignatureError("the key was not touched (no user presence)")
    if not auth.is_user_verified():
        raise SignatureError("the key did not verify its holder (no PIN or biometric)")
    try:
        decode_key(public_key).verify(bytes(auth) + client.hash, assertion.signature)
    except SignatureError:
        raise
    except Exception:
        raise SignatureError("the signature does not verify with this key") from None
    return int(auth.counter)
