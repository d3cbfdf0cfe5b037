"""Approver TOTP secrets in the OS keyring, and the enrolment that puts them there (docs/rules.md
§2.2).

The keyring must be a real OS store. The `fail` and `null` backends and any plaintext-file
backend (keyrings.alt and friends) are refused outright: a secret in a plaintext file, even with
a warning, is the mistake this tool exists not to make.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Protocol

from breakglass_gui.core import totp
from breakglass_gui.core.approver_keys import ENROLLED, role_enrolled_before
from breakglass_gui.core.config import Approver
from breakglass_gui.core.errors import EnrolmentError
from breakglass_gui.core.integrity import unfinished
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.secret import Secret

log = logging.getLogger(__name__)

SERVICE = "breakglass-approver-totp"


class TotpSecretStore(Protocol):
    def check(self) -> None:
        """Raise EnrolmentError if approver secrets cannot be kept here."""

    def get(self, approver_id: str) -> Secret | None: ...

    def set(self, approver_id: str, secret: Secret) -> None: ...


def backend_refusal(backend: Any) -> str | None:
    """Why this keyring backend cannot hold approver secrets, or None if it can."""
    children = getattr(backend, "backends", None)
    if children is not None:  # keyring's ChainerBackend: every member must be acceptable
        if not children:
            return "no OS keyring is available (the keyring chain is empty)"
        reasons = [r for r in (backend_refusal(child) for child in children) if r]
        return reasons[0] if reasons else None
    cls = type(backend)
    qualified = f"{cls.__module__}.{cls.__qualname__}"
    lowered = qualified.lower()
    if lowered.startswith("keyring.backends.fail"):
        return "no OS keyring is available (keyring fell back to its 'fail' backend)"
    if lowered.startswith("keyring.backends.null"):
        return "the keyring is disabled (the 'null' backend stores nothing)"
    if "plaintext" in lowered or lowered.startswith("keyrings.alt") or "file" in lowered:
        return (
            f"the keyring backend {qualified} stores secrets in a file; approver secrets must "
            "live in the OS keyring (Secret Service, macOS Keychain or Windows Credential Locker)"
        )
    return None


class KeyringSecretStore:
    """Approver secrets in the OS keyring via `keyring`; an unsafe backend is refused by `check`
    and by every read and write.

    Without an explicit backend, the OS one is found on first use, not on construction: finding
    it imports keyring's backends and may ask D-Bus for the Secret Service, which must not hold
    up the first page (docs/rules.md §13). The app calls `check` on a worker once that page is up,
    so a missing keyring is reported at start all the same (ui/controller.py)."""

    def __init__(self, backend: Any | None = None) -> None:
        self._backend = backend
        self._lock = threading.Lock()
        if backend is not None:
            self.check()

    def check(self) -> None:
        self._usable()

    def _usable(self) -> Any:
        with self._lock:
            if self._backend is None:
                try:
                    import keyring

                    self._backend = keyring.get_keyring()
                except Exception as exc:  # a broken backend module or D-Bus: said, not a crash
                    raise EnrolmentError(
                        f"The OS keyring could not be opened: {type(exc).__name__}.",
                        code="keyring",
                    ) from None
            backend = self._backend
        reason = backend_refusal(backend)
        if reason:
            raise EnrolmentError(f"Approver codes cannot be stored: {reason}.", code="keyring")
        return backend

    def get(self, approver_id: str) -> Secret | None:
        backend = self._usable()
        try:
            value = backend.get_password(SERVICE, approver_id)
        except Exception as exc:
            raise EnrolmentError(
                f"The OS keyring could not be read: {exc}", code="keyring"
            ) from None
        return Secret(value) if value else None

    def set(self, approver_id: str, secret: Secret) -> None:
        backend = self._usable()
        try:
            backend.set_password(SERVICE, approver_id, secret.reveal())
        except Exception as exc:
            raise EnrolmentError(
                f"The OS keyring refused the secret: {exc}", code="keyring"
            ) from None


@dataclass
class PendingEnrolment:
    """A freshly generated secret shown to the approver; stored only after one correct code."""

    approver: Approver
    secret: Secret
    uri: str


def refuse_during_an_incident(journal: Journal) -> None:
    """The approver registry does not change while an incident is open: a new key or secret in
    the middle of one would let its holder sign it (issue 18 (b))."""
    open_ = unfinished(journal)
    if open_:
        raise EnrolmentError(
            f"Approvers cannot be enrolled while an incident is open ({', '.join(open_)}): "
            "finish or abort it first.",
            code="enrolment.incident_open",
        )


class Enrolment:
    """The `totp` enrolment: a secret into this workstation's keyring."""

    def __init__(
        self,
        store: TotpSecretStore,
        organisation: str,
        journal: Journal,
        *,
        accepted: bool = True,
    ) -> None:
        self._store = store
        self._journal = journal
        self._issuer = f"Break Glass ({organisation})"
        self._accepted = accepted  # the config lists `totp` (core/registry.py accepts_codes)

    def _refuse_during_an_incident(self) -> None:
        if not self._accepted:
            raise EnrolmentError(
                "This configuration accepts signed approvals only (ssh keys and security "
                "keys): enrol them with `main.py approvers enrol`. Authenticator codes are "
                "refused because anyone who can read this workstation's keyring could "
                "produce them.",
                code="enrolment.method_refused",
            )
        refuse_during_an_incident(self._journal)

    def _refuse_unsigned(self, approver: Approver) -> None:
        """A code enrolment is signed by no one: it may only be a role's very first
        enrolment (core/registry_changes.py has the same rule for keys)."""
        if role_enrolled_before(self._journal.of_kinds(ENROLLED), approver.role):
            raise EnrolmentError(
                f"The {approver.role} role already has an enrolled approver: any further change "
                "needs the current approvers' signatures. Enrol an ssh key or a security key "
                "with `main.py approvers enrol` (authenticator codes cannot be signed for).",
                code="enrolment.unsigned",
            )

    def start(self, approver: Approver) -> PendingEnrolment:
        self._refuse_during_an_incident()
        self._refuse_unsigned(approver)
        secret = totp.new_secret()
        return PendingEnrolment(
            approver, secret, totp.provisioning_uri(secret, approver.email, self._issuer)
        )

    def confirm(self, pending: PendingEnrolment, code: str, now: float) -> None:
        self._refuse_during_an_incident()
        self._refuse_unsigned(pending.approver)
        code = code.strip().replace(" ", "")
        if not totp.CODE.fullmatch(code):
            raise EnrolmentError(
                "Enter the 6-digit code your authenticator app shows.", field="code"
            )
        if totp.matching_step(pending.secret, code, now) is None:
            raise EnrolmentError(
                "That code does not match. Check the phone's clock and enter the code shown now.",
                field="code",
            )
        self._journal.append(
            None,
            "approver.enrolled",
            {
                "approver": pending.approver.id,
                "role": pending.approver.role,
                "method": "totp",
            },
        )
        self._store.set(pending.approver.id, pending.secret)
        # A new secret starts a new series of steps; a lockout in force stays (re-enrolling is
        # no way around three wrong codes).
        _, failures, locked_until = self._journal.approver_state(pending.approver.id)
        self._journal.set_approver_state(
            pending.approver.id, -1, failures, locked_until, why="enrolled"
        )
        log.info("approver %s enrolled", pending.approver.id)
        pending.secret.wipe()
