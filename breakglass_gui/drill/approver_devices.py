"""The drill approvers' keys: the primary signs with a security key at the workstation (a
software authenticator), the secondary with an ssh key on "their own machine" (docs/rules.md
§10, issue 18). Both go through the production checks.

The keys are derived from public labels, so they are the same at every launch (the journal's
enrolment stays valid across drills) and are no secret: like moto's fake credentials, they
prove nothing, and a production enrolment refuses them by fingerprint (core/key_enrolment.py).
"""

from __future__ import annotations

import hashlib

from breakglass_gui.core.approval_request import SignedRequest
from breakglass_gui.core.deps import Deps
from breakglass_gui.core.errors import ApprovalError, BreakGlassError
from breakglass_gui.core.key_enrolment import KeyEnrolment
from breakglass_gui.core.registry_changes import Change, RegistryChanges
from breakglass_gui.core.secret import Secret
from breakglass_gui.core.signatures.webauthn import Assertion, Credential
from breakglass_gui.drill.security_key import SoftSecurityKey
from breakglass_gui.drill.ssh_signer import SshSigner

PIN = "2468"  # the drill security key's PIN, shown on the drill panel
# Which drill approver signs how (drill/layout.py's roster).
FIDO2_APPROVERS = ("drill-ciso",)
SSH_APPROVERS = ("drill-cfo",)


def _seed(label: str) -> bytes:
    return hashlib.sha256(f"breakglass drill approver key: {label}".encode()).digest()


def security_key(approver: str) -> SoftSecurityKey:
    return SoftSecurityKey(PIN, seed=_seed(f"fido2 {approver}"))


def ssh_signer(approver: str) -> SshSigner:
    return SshSigner(f"{approver}@drill.invalid", seed=_seed(f"ssh {approver}"))


def drill_fingerprints() -> frozenset[str]:
    """Every drill key's fingerprint (a production enrolment refuses them)."""
    from breakglass_gui.core.signatures import ssh, webauthn

    prints = {ssh.fingerprint(ssh_signer(a).public_key) for a in SSH_APPROVERS}
    for approver in FIDO2_APPROVERS:
        made = security_key(approver).make_credential(
            rp_id="-", user_id=approver, user_name=approver, pin=Secret(PIN)
        )
        prints.add(webauthn.fingerprint(made.public_key))
    return frozenset(prints)


class DrillKeys:
    """The security keys at the drill workstation (one per fido2 approver; the app asks for
    an assertion by credential id, as it would of whichever key is plugged in)."""

    def __init__(self) -> None:
        self.keys = {a: security_key(a) for a in FIDO2_APPROVERS}
        self.signers = {a: ssh_signer(a) for a in SSH_APPROVERS}

    def make_credential(
        self, *, rp_id: str, user_id: str, user_name: str, pin: Secret
    ) -> Credential:
        return self.keys[user_id].make_credential(
            rp_id=rp_id, user_id=user_id, user_name=user_name, pin=pin
        )

    def get_assertion(
        self, *, rp_id: str, challenge: bytes, credential_id: str, pin: Secret
    ) -> Assertion:
        for key in self.keys.values():
            if key.credential_id == credential_id:
                return key.get_assertion(
                    rp_id=rp_id, challenge=challenge, credential_id=credential_id, pin=pin
                )
        raise ApprovalError(
            "The security key plugged in holds no credential for that approver.",
            code="approval.key_error",
        )

    def enrol(self, deps: Deps) -> list[str]:
        """Enrol each drill approver's key unless it already is (the first approver of a role
        needs no signatures); returns what could not be (an incident open in the drill
        journal keeps the registry as it is)."""
        config = deps.config
        enrolment = KeyEnrolment(deps.journal, rp_id=config.approvals.fido2_rp_id)
        changes = RegistryChanges(config, deps.journal, deps.clock, deps.approvals, enrolment)
        enrolled = enrolment.keys()
        problems = []
        for approver in config.approvers:
            current = enrolled.get(approver.id)
            try:
                if approver.id in self.keys:
                    pin = Secret(PIN)
                    key = enrolment.fido2_key(approver, self, pin)
                elif approver.id in self.signers:
                    key = enrolment.ssh_key(approver, self.signers[approver.id].public_key)
                else:
                    continue
                if current is None or current.public_key != key.public_key:
                    changes.apply(Change("enrol", key))
            except BreakGlassError as exc:
                problems.append(f"{approver.id}: {exc.message}")
        return problems

    def response(self, approver: str, request: SignedRequest | None) -> str:
        """What the approver gives the operator: the PIN they type into the security key's
        prompt, or the signature they send back (of `request`, which an ssh signer needs)."""
        if approver in self.signers:
            if request is None:
                raise ValueError("an ssh signature needs the request text")
            return self.signers[approver].sign(request.text)
        return PIN
