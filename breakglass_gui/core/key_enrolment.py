"""Enrolling an approver's public key (docs/rules.md §2.2): an OpenSSH public key, or a
credential made on their security key at this workstation. Only public data is kept, as a
chained `approver.enrolled` entry (core/approver_keys.py); removing is `approver.removed`.

The registry does not change while an incident is open (issue 18 (b)). Keys of the drill's
approvers are public by design (drill/approver_devices.py) and refused outside a drill.
"""

from __future__ import annotations

import logging

from breakglass_gui.core.approver_keys import ENROLLED, REMOVED, EnrolledKey, registry_from
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
        return registry_from(self._journal.of_kinds(ENROLLED, REMOVED))

    def ssh(self, approver: Approver, public_key: str) -> EnrolledKey:
        from breakglass_gui.core.signatures import ssh

        refuse_during_an_incident(self._journal)
        line = " ".join(public_key.strip().split()[:2])  # the comment is the approver's own
        try:
            fingerprint = ssh.fingerprint(line)
        except SignatureError as exc:
            raise EnrolmentError(f"That is not an SSH public key: {exc}.", field="key") from None
        return self._record(EnrolledKey(approver.id, approver.role, "ssh", line, fingerprint))

    def fido2(self, approver: Approver, device: SecurityKey, pin: Secret) -> EnrolledKey:
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
        return self._record(key)

    def remove(self, approver: Approver) -> None:
        refuse_during_an_incident(self._journal)
        if approver.id not in self.keys():
            raise EnrolmentError(f"{approver.name} has no enrolled key.", field="approver")
        self._journal.append(None, REMOVED, {"approver": approver.id, "role": approver.role})
        log.debug("approver %s removed", approver.id)

    def _record(self, key: EnrolledKey) -> EnrolledKey:
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
        self._journal.append(None, ENROLLED, key.as_payload())
        log.debug("approver %s enrolled a %s key %s", key.approver, key.method, key.fingerprint)
        return key
