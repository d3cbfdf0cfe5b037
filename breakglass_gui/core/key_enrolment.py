"""Approvers' public keys: an OpenSSH public key, or a credential made on their security key
at this workstation. Only public data is kept, as a chained `approver.enrolled` entry
(core/approver_keys.py); removing is `approver.removed`. Whether a change may be made (the
current approvers' signatures) is core/registry_changes.py's to decide.

The registry does not change while an incident is open (issue 18 (b)). Keys of the drill's
approvers are public by design (drill/approver_devices.py) and refused outside a drill.
"""

from __future__ import annotations

import logging
from typing import Any

from breakglass_gui.core.approver_keys import ENROLLED, REMOVED, EnrolledKey, registry_of
from breakglass_gui.core.config import Approver
from breakglass_gui.core.enrolment import refuse_during_an_incident
from breakglass_gui.core.errors import EnrolmentError
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.secret import Secret
from breakglass_gui.core.security_key import SecurityKey
from breakglass_gui.core.signatures import SignatureError

log = logging.getLogger(__name__)


class KeyEnrolment:
    def __init__(
        self,
        journal: Journal,
        *,
        rp_id: str,
        refused_fingerprints: frozenset[str] = frozenset(),
    ) -> None:
        self._journal = journal
        self._rp_id = rp_id
        self._refused = refused_fingerprints

    def keys(self) -> dict[str, EnrolledKey]:
        return registry_of(self._journal)

    def ssh_key(self, approver: Approver, public_key: str) -> EnrolledKey:
        """The key an OpenSSH public key line enrols (checked, not yet recorded)."""
        from breakglass_gui.core.signatures import ssh

        line = " ".join(public_key.strip().split()[:2])  # the comment is the approver's own
        try:
            fingerprint = ssh.fingerprint(line)
        except SignatureError as exc:
            raise EnrolmentError(f"That is not an SSH public key: {exc}.", field="key") from None
        return self._checked(EnrolledKey(approver.id, approver.role, "ssh", line, fingerprint))

    def fido2_key(self, approver: Approver, device: SecurityKey, pin: Secret) -> EnrolledKey:
        """A new credential on the security key plugged in (checked, not yet recorded)."""
        from breakglass_gui.core.signatures import webauthn

        refuse_during_an_incident(self._journal)
        made = device.make_credential(
            rp_id=self._rp_id, user_id=approver.id, user_name=approver.email, pin=pin
        )
        key = EnrolledKey(
            approver.id,
            approver.role,
            "fido2",
            made.public_key,
            webauthn.fingerprint(made.public_key),
            made.credential_id,
            self._rp_id,
            made.counter,
        )
        return self._checked(key)

    def current(self, approver: Approver) -> EnrolledKey:
        key = self.keys().get(approver.id)
        if key is None:
            raise EnrolmentError(f"{approver.name} has no enrolled key.", field="approver")
        return key

    def record(self, key: EnrolledKey, extra: dict[str, Any]) -> None:
        """Journal the enrolment (core/registry_changes.py decides whether it may be made)."""
        refuse_during_an_incident(self._journal)
        self._journal.append(None, ENROLLED, {**key.as_payload(), **extra})
        log.debug("approver %s enrolled a %s key %s", key.approver, key.method, key.fingerprint)

    def remove(self, key: EnrolledKey, extra: dict[str, Any]) -> None:
        refuse_during_an_incident(self._journal)
        payload = {"approver": key.approver, "role": key.role, **extra}
        self._journal.append(None, REMOVED, {**payload, "fingerprint": key.fingerprint})
        log.debug("approver %s removed", key.approver)

    def _checked(self, key: EnrolledKey) -> EnrolledKey:
        refuse_during_an_incident(self._journal)
        if key.fingerprint in self._refused:
            raise EnrolmentError(
                "That key belongs to the drill (its private half is public): it can never "
                "approve a real incident.",
                field="key",
            )
        taken = next((k for k in self.keys().values() if k.fingerprint == key.fingerprint), None)
        if taken is not None and taken.approver != key.approver:
            raise EnrolmentError(
                f"That key is already enrolled for {taken.approver}: one key, one person.",
                field="key",
            )
        return key
