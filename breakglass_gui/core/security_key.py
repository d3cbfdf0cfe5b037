"""The security key at the workstation, behind one protocol: production talks CTAP2 over USB
HID through python-fido2's client; the drill and the tests plug in a software authenticator
(drill/security_key.py) that makes real ES256 assertions, checked by the same code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from breakglass_gui.core.errors import ApprovalError
from breakglass_gui.core.secret import Secret

if TYPE_CHECKING:  # python-fido2 is imported when a key is used, not at start
    from breakglass_gui.core.signatures.webauthn import Assertion, Credential


class SecurityKey(Protocol):
    def make_credential(
        self, *, rp_id: str, user_id: str, user_name: str, pin: Secret
    ) -> Credential: ...

    def get_assertion(
        self, *, rp_id: str, challenge: bytes, credential_id: str, pin: Secret
    ) -> Assertion: ...


def _pin_interaction(pin: Secret) -> Any:
    from fido2.client import UserInteraction

    class WithPin(UserInteraction):
        def request_pin(self, permissions: Any, rp_id: str | None) -> str | None:
            return pin.reveal()

    return WithPin()


def _error(exc: Exception) -> ApprovalError:
    text = str(exc)
    if "PIN_INVALID" in text or "PIN_AUTH_INVALID" in text:
        return ApprovalError(
            "Wrong PIN for the security key.", code="approval.wrong_pin", field="code"
        )
    if "PIN_BLOCKED" in text or "PIN_AUTH_BLOCKED" in text:
        return ApprovalError(
            "The security key's PIN is blocked; its holder must reset it.",
            code="approval.key_blocked",
        )
    return ApprovalError(
        f"The security key did not answer ({type(exc).__name__}: {text}).",
        code="approval.key_error",
    )


class HidSecurityKey:
    """The first FIDO2 key on USB, through python-fido2 (user verification required)."""

    def _client(self, rp_id: str, pin: Secret) -> Any:
        from fido2.client import DefaultClientDataCollector, Fido2Client
        from fido2.hid import CtapHidDevice

        from breakglass_gui.core.signatures.webauthn import origin_of

        device = next(iter(CtapHidDevice.list_devices()), None)
        if device is None:
            raise ApprovalError(
                "No security key found: plug it in and try again.", code="approval.no_key"
            )
        collector = DefaultClientDataCollector(origin_of(rp_id))
        return Fido2Client(device, collector, user_interaction=_pin_interaction(pin))

    def make_credential(
        self, *, rp_id: str, user_id: str, user_name: str, pin: Secret
    ) -> Credential:
        import secrets

        from fido2.cose import ES256
        from fido2.utils import websafe_encode

        from breakglass_gui.core.signatures.webauthn import Credential, encode_key

        client = self._client(rp_id, pin)
        options = {
            "rp": {"id": rp_id, "name": "Break Glass"},
            "user": {"id": user_id.encode(), "name": user_name},
            "challenge": secrets.token_bytes(32),
            "pubKeyCredParams": [{"type": "public-key", "alg": ES256.ALGORITHM}],
            "authenticatorSelection": {"userVerification": "required"},
        }
        try:
            made = client.make_credential(options)
        except Exception as exc:
            raise _error(exc) from None
        data = made.response.attestation_object.auth_data
        cred = data.credential_data
        assert cred is not None
        return Credential(
            websafe_encode(cred.credential_id), encode_key(cred.public_key), data.counter
        )

    def get_assertion(
        self, *, rp_id: str, challenge: bytes, credential_id: str, pin: Secret
    ) -> Assertion:
        from fido2.utils import websafe_decode

        from breakglass_gui.core.signatures.webauthn import Assertion

        client = self._client(rp_id, pin)
        options = {
            "challenge": challenge,
            "rpId": rp_id,
            "allowCredentials": [{"type": "public-key", "id": websafe_decode(credential_id)}],
            "userVerification": "required",
        }
        try:
            got = client.get_assertion(options).get_response(0)
        except Exception as exc:
            raise _error(exc) from None
        r = got.response
        return Assertion(
            bytes(got.raw_id), bytes(r.authenticator_data), bytes(r.client_data), r.signature
        )
