"""A software FIDO2 authenticator for the drill and the tests: it stands in for a security key
plugged into the workstation and makes real WebAuthn assertions (ES256 over authenticator data
and the client data hash), which the app checks exactly as it checks a hardware key's.

It holds its private key in memory only, checks a PIN itself (user verification) and counts
its signatures like a real key. `clone()` makes a key with the same private key and counter: a
test uses it to show that a cloned key is caught by the counter check.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_encode
from fido2.webauthn import AuthenticatorData, CollectedClientData

from breakglass_gui.core.errors import ApprovalError
from breakglass_gui.core.secret import Secret
from breakglass_gui.core.signatures.webauthn import (
    Assertion,
    Credential,
    encode_key,
    origin_of,
)

_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


class SoftSecurityKey:
    def __init__(self, pin: str, *, seed: bytes | None = None) -> None:
        """A fresh random key, or one derived from `seed` (the drill's public keys)."""
        self._pin = pin
        if seed is None:
            self._private = ec.generate_private_key(ec.SECP256R1())
            self._credential_id = secrets.token_bytes(32)
        else:
            scalar = int.from_bytes(hashlib.sha256(b"key" + seed).digest()) % (_P256_ORDER - 1)
            self._private = ec.derive_private_key(scalar + 1, ec.SECP256R1())
            self._credential_id = hashlib.sha256(b"credential" + seed).digest()
        # Like keys with a global counter, a derived key counts from the clock: it is the same
        # key at every launch, and its counter must still only grow (WebAuthn §6.1.1).
        self._clock_counter = seed is not None
        self.counter = int(time.time()) if self._clock_counter else 0
        self.touches = 0

    @property
    def credential_id(self) -> str:
        return websafe_encode(self._credential_id)

    @property
    def pin(self) -> str:
        return self._pin

    def clone(self) -> SoftSecurityKey:
        return copy.copy(self)

    def _verify_user(self, pin: Secret) -> None:
        if not secrets.compare_digest(pin.reveal(), self._pin):
            raise ApprovalError(
                "Wrong PIN for the security key.", code="approval.wrong_pin", field="code"
            )
        self.touches += 1

    def make_credential(
        self, *, rp_id: str, user_id: str, user_name: str, pin: Secret
    ) -> Credential:
        self._verify_user(pin)
        public = ES256.from_cryptography_key(self._private.public_key())  # type: ignore[no-untyped-call]
        return Credential(websafe_encode(self._credential_id), encode_key(public), self.counter)

    def get_assertion(
        self, *, rp_id: str, challenge: bytes, credential_id: str, pin: Secret
    ) -> Assertion:
        if credential_id != websafe_encode(self._credential_id):
            raise ApprovalError(
                "This security key holds no credential for that approver.",
                code="approval.key_error",
            )
        self._verify_user(pin)
        self.counter = max(self.counter + 1, int(time.time()) if self._clock_counter else 0)
        flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.UV
        auth = AuthenticatorData.create(
            hashlib.sha256(rp_id.encode()).digest(), flags, self.counter
        )
        client = CollectedClientData.create(
            CollectedClientData.TYPE.GET, challenge, origin_of(rp_id)
        )
        signature = self._private.sign(bytes(auth) + client.hash, ec.ECDSA(hashes.SHA256()))
        return Assertion(self._credential_id, bytes(auth), bytes(client), signature)
