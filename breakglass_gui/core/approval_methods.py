"""The ways an approver can sign a request (registered in core/registry.py, `APPROVAL_METHODS`).

Each method checks one attempt and returns its evidence (what the journal and the approval
bundle keep) or raises ApprovalError. The desk (core/approvals.py) does what is common: the
roster rules, lockout, expiry, one use per challenge, journaling.

- `ssh`: an OpenSSH signature of the request text, made on the approver's own machine; proves
  consent to this text, checkable offline.
- `fido2`: a WebAuthn assertion from the approver's security key at the workstation, with user
  verification; the challenge is the text's SHA-256. Checkable offline; the key shows nothing,
  so it proves presence and consent to "a request".
- `totp`: a code from the approver's authenticator app, checked against a secret in this
  workstation's keyring. Not a signature: nothing to check offline, and whoever can read the
  keyring can produce the codes. Only where the config lists it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from breakglass_gui.core import totp
from breakglass_gui.core.approval_request import NAMESPACE, SignedRequest
from breakglass_gui.core.approver_keys import EnrolledKey
from breakglass_gui.core.clock import Clock
from breakglass_gui.core.config import Approver, Config
from breakglass_gui.core.enrolment import TotpSecretStore
from breakglass_gui.core.errors import ApprovalError
from breakglass_gui.core.secret import Secret
from breakglass_gui.core.security_key import SecurityKey
from breakglass_gui.core.signatures import SignatureError

# Refusals that count towards the lockout: a wrong answer, not a malformed one.
WRONG_ANSWERS = frozenset({"approval.wrong_code", "approval.bad_signature", "approval.wrong_pin"})


@dataclass(frozen=True)
class History:
    """An approver's record so far, from the hash chain (core/approvals.py builds it)."""

    last_step: int = -1
    failures: int = 0
    locked_until: float = 0.0
    counter: int = 0  # the highest security-key signature counter seen
    challenges: frozenset[str] = frozenset()  # requests this approver already signed


@dataclass(frozen=True)
class Attempt:
    approver: Approver
    key: EnrolledKey | None
    request: SignedRequest
    response: Secret
    history: History
    now: float


@dataclass(frozen=True)
class ApprovalContext:
    """What an approval method is built from."""

    config: Config
    clock: Clock
    totp_secrets: TotpSecretStore
    security_key: SecurityKey


class ApprovalMethod(Protocol):
    name: ClassVar[str]
    label: ClassVar[str]  # what the approvals page calls it
    response: ClassVar[str]  # what the operator enters: "code", "signature" or "pin"
    offline: ClassVar[bool]  # whether `verify-approvals` can check it with public keys
    caveat: ClassVar[str]  # what the page must say about its limits ("" if nothing)

    def check(self, attempt: Attempt) -> dict[str, Any]: ...


def _enrolled(attempt: Attempt, method: str) -> EnrolledKey:
    key = attempt.key
    if key is None or key.method != method:
        raise ApprovalError(
            f"{attempt.approver.name} has no {method} key enrolled "
            "(Administration → Enrol an approver…, or `main.py approvers enrol`).",
            code="approval.not_enrolled",
            field="approver",
        )
    return key


class TotpMethod:
    name: ClassVar[str] = "totp"
    label: ClassVar[str] = "Authenticator code"
    response: ClassVar[str] = "code"
    offline: ClassVar[bool] = False
    caveat: ClassVar[str] = (
        "Authenticator codes are checked against secrets kept in this workstation's keyring: "
        "anyone who can read that keyring can produce them, so they show presence, not that "
        "two people agreed, and an auditor cannot check them afterwards."
    )

    def __init__(self, context: ApprovalContext) -> None:
        self._store = context.totp_secrets

    def check(self, attempt: Attempt) -> dict[str, Any]:
        approver = attempt.approver
        code = attempt.response.reveal().strip().replace(" ", "")
        if not totp.CODE.fullmatch(code):
            raise ApprovalError(
                "Enter the 6-digit code from the approver's authenticator.",
                code="approval.format",
                field="code",
            )
        secret = self._store.get(approver.id)
        if secret is None:
            raise ApprovalError(
                f"{approver.name} has not enrolled a code on this workstation "
                "(Administration → Enrol an approver…).",
                code="approval.not_enrolled",
                field="approver",
            )
        step = totp.matching_step(secret, code, attempt.now)
        if step is None:
            raise ApprovalError(
                f"Wrong code for {approver.name}. Check the approver's device clock.",
                code="approval.wrong_code",
                field="code",
            )
        if step <= attempt.history.last_step:
            raise ApprovalError(
                f"This code of {approver.name}'s was already used. Wait "
                f"{totp.seconds_to_next_step(attempt.now)} s for the authenticator to show a "
                "new one.",
                code="approval.replay",
                field="code",
            )
        return {"step": step}


class SshMethod:
    name: ClassVar[str] = "ssh"
    label: ClassVar[str] = "SSH signature"
    response: ClassVar[str] = "signature"
    offline: ClassVar[bool] = True
    caveat: ClassVar[str] = ""

    def __init__(self, context: ApprovalContext) -> None:
        pass

    def check(self, attempt: Attempt) -> dict[str, Any]:
        from breakglass_gui.core.signatures import ssh  # sshsig: off the start path

        key = _enrolled(attempt, self.name)
        pasted = attempt.response.reveal()
        try:
            armoured = ssh.normalised(pasted)
        except SignatureError as exc:
            raise ApprovalError(
                f"That is not an SSH signature: {exc}.", code="approval.format", field="code"
            ) from None
        try:
            ssh.verify(attempt.request.text, armoured, key.public_key)
        except SignatureError as exc:
            raise ApprovalError(
                f"The signature is not {attempt.approver.name}'s signature of this request "
                f"text ({exc}). Sign the current text with `ssh-keygen -Y sign -n {NAMESPACE}`.",
                code="approval.bad_signature",
                field="code",
            ) from None
        return {"signature": armoured}


class Fido2Method:
    name: ClassVar[str] = "fido2"
    label: ClassVar[str] = "Security key"
    response: ClassVar[str] = "pin"
    offline: ClassVar[bool] = True
    caveat: ClassVar[str] = (
        "A security key shows nothing of the request: touching it proves the approver was here "
        "and agreed to a request, not what the request said. Read the request to them."
    )

    def __init__(self, context: ApprovalContext) -> None:
        self._device = context.security_key

    def check(self, attempt: Attempt) -> dict[str, Any]:
        from breakglass_gui.core.signatures import webauthn  # fido2: off the start path

        key = _enrolled(attempt, self.name)
        if not attempt.response.reveal():
            raise ApprovalError(
                "Enter the security key's PIN.", code="approval.format", field="code"
            )
        assertion = self._device.get_assertion(
            rp_id=key.rp_id,
            challenge=attempt.request.challenge,
            credential_id=key.credential_id,
            pin=attempt.response,
        )
        try:
            counter = webauthn.verify(
                assertion,
                public_key=key.public_key,
                credential_id=key.credential_id,
                rp_id=key.rp_id,
                challenge=attempt.request.challenge,
            )
        except SignatureError as exc:
            raise ApprovalError(
                f"The security key's answer does not hold: {exc}.",
                code="approval.bad_signature",
                field="code",
            ) from None
        # WebAuthn §7.2 step 21: a counter that did not grow means a cloned key (both zero is
        # a key without a counter, which the standard allows).
        last = attempt.history.counter
        if (counter or last) and counter <= last:
            raise ApprovalError(
                f"The security key's signature counter went from {last} to {counter}: this may "
                "be a cloned key. The approval is refused; report it.",
                code="approval.cloned_key",
                field="code",
            )
        return {"assertion": assertion.as_payload(), "counter": counter}
