"""The break-glass procedure: one object per incident, the only door the UI and the drill use.

It composes the incident's collaborators (docs/architecture.md, "Core"):
- `Recorder` journals every transition and side effect first (core/recorder.py);
- `Custody` holds every secret in memory and drops it after use (core/custody.py);
- `VaultSteps`, `Access` and `Ending` are the steps (core/vault_steps.py, core/access.py,
  core/ending.py); `Announcer` sends notices (core/notifications/);
- `ActivityMonitor` follows what the session does in AWS (core/monitor.py).
Here: declaring and resuming an incident, what it needs next, the approvals, aborting, the
review and closing. The GUI calls these methods on a worker thread; they block on the network
and never touch Qt.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from breakglass_gui.core import approvals as approval_rules
from breakglass_gui.core.access import Access
from breakglass_gui.core.anchoring import Anchoring
from breakglass_gui.core.approval_methods import ApprovalMethod
from breakglass_gui.core.approval_request import SignedRequest, new_request_id
from breakglass_gui.core.approval_request import render as render_request
from breakglass_gui.core.aws.activity import ActivityEvent
from breakglass_gui.core.aws.sts import ClockCheck, RoleSession
from breakglass_gui.core.config import Config
from breakglass_gui.core.custody import Custody
from breakglass_gui.core.deps import Deps
from breakglass_gui.core.directory import AccountDirectory
from breakglass_gui.core.emergency import emergency_problems, refuse, requested_accounts
from breakglass_gui.core.ending import Ending
from breakglass_gui.core.errors import BreakGlassError, JournalError, ProcedureError
from breakglass_gui.core.incident import BEFORE_ACTIVE, Incident, Request, State, new_incident_id
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.mfa_modes import MfaMode
from breakglass_gui.core.monitor import ActivityMonitor
from breakglass_gui.core.need import Need
from breakglass_gui.core.notifications.announcer import Announcer
from breakglass_gui.core.parts import Parts
from breakglass_gui.core.recorder import Recorder
from breakglass_gui.core.review.export import export_review
from breakglass_gui.core.secret import Secret
from breakglass_gui.core.vault import SealStatus, VaultHealth
from breakglass_gui.core.vault_steps import VaultSteps

T = TypeVar("T")


class Procedure:
    def __init__(self, deps: Deps, incident: Incident) -> None:
        self.deps = deps
        custody = Custody(deps.vault, deps.aws, deps.config.organisation.region, deps.clock)
        recorder = Recorder(deps.journal, incident, custody.vault_request_ids)
        self.activity = ActivityMonitor(recorder, custody, deps.config, deps.clock)
        announcer = Announcer(recorder, deps.channels(custody.client), drill=deps.drill)
        access = Access(deps, recorder, custody, announcer, self.activity.issued)
        vault = VaultSteps(recorder, custody, deps.config)
        anchoring = Anchoring(
            recorder, custody, deps.config, deps.clock, backoff=deps.anchor_backoff
        )
        self.parts = Parts(deps, recorder, custody, vault, access, announcer, anchoring)

    # ----- construction -------------------------------------------------------------------

    @classmethod
    def declare(
        cls,
        deps: Deps,
        *,
        emergency_type: str,
        justification: str,
        operator: str,
        duration_seconds: int,
        other_text: str = "",
        reference: str = "",
        accounts: tuple[str, ...] = (),
    ) -> Procedure:
        """Validate the emergency page and journal the new incident. The account scope is
        required (issue 18 (f)): the approvals cover it; the emergency type's scope is the
        default."""
        accounts = requested_accounts(deps, emergency_type, accounts)
        refuse(
            emergency_problems(
                deps,
                emergency_type=emergency_type,
                other_text=other_text,
                justification=justification,
                operator=operator,
                duration_seconds=duration_seconds,
                accounts=accounts,
            )
        )
        journal = deps.journal
        taken = {e.incident for e in journal.entries() if e.incident}
        incident_id = new_incident_id(deps.clock.now(), {t for t in taken if t})
        request = Request(
            incident_id=incident_id,
            emergency_type=emergency_type,
            other_text=other_text.strip(),
            justification=justification.strip(),
            reference=reference.strip(),
            operator=operator,
            duration_seconds=duration_seconds,
            accounts=tuple(accounts),
        )
        entry = journal.append(
            incident_id, "incident.declared", {**request.as_payload(), "drill": deps.drill}
        )
        procedure = cls(deps, Incident.replay([entry]))
        procedure.parts.recorder.transition(State.DECLARED, initial=True)
        provenance = deps.directory.provenance()
        if provenance is not None:  # which account list the request was chosen from
            procedure.parts.recorder.log("directory.snapshot", provenance)
        return procedure

    @classmethod
    def resume(cls, deps: Deps, incident_id: str) -> Procedure:
        """Rebuild an unfinished incident from the journal after a restart."""
        entries = deps.journal.entries(incident_id)
        if not entries:
            raise ProcedureError(f"There is no incident {incident_id} in the journal.")
        procedure = cls(deps, Incident.replay(entries))
        recorder = procedure.parts.recorder
        incident = recorder.incident
        recorder.log(
            "incident.resumed",
            {"state": incident.state.value, "in_doubt": sorted(incident.open_intents)},
        )
        if incident.tampering and not incident.tampering_acknowledged:
            # The journal tells an impossible story (core/integrity.py): the incident goes on
            # from where the evidence ends, and the review shows why.
            recorder.log("incident.tampering_detected", {"problem": incident.tampering})
        for accessor, token in list(incident.live_tokens.items()):
            # The previous run's token died with it, unrevoked: it lapses at its expiry unless
            # the next login can revoke it by accessor (VaultSteps).
            recorder.log(
                "vault.token_orphaned",
                {"accessor": accessor, "lapses_at": token.get("expires_at", "")},
            )
        if incident.state in BEFORE_ACTIVE and incident.role_sessions_requested:
            # A role session may exist in AWS: the only way on is through revocation.
            for state in (State.APPROVED, State.VAULT_UNLOCKED, State.MFA_VERIFIED, State.ACTIVE):
                if not recorder.incident.reached(state):
                    recorder.transition(state, reason="recovery: a role session may exist")
        return procedure

    # ----- what the incident is and needs ---------------------------------------------------

    @property
    def incident(self) -> Incident:
        return self.parts.recorder.incident

    @property
    def state(self) -> State:
        return self.parts.recorder.state

    @property
    def id(self) -> str:
        return self.parts.recorder.id

    @property
    def config(self) -> Config:
        return self.deps.config

    @property
    def directory(self) -> AccountDirectory:
        return self.deps.directory

    @property
    def journal(self) -> Journal:
        return self.deps.journal

    @property
    def sessions(self) -> dict[str, RoleSession]:
        return self.parts.custody.sessions

    @property
    def notifications(self) -> list[dict[str, Any]]:
        """Every notice this run sent or failed to send, per channel."""
        return list(self.parts.announcer.sent)

    def needs(self) -> Need:
        """What the operator must provide next: the wizard and the recovery screen follow this."""
        state, custody, mode = self.state, self.parts.custody, self.deps.mfa_mode
        if self.incident.finished:
            return Need.DONE
        if self.incident.awaiting_approval:  # declared, or widened while access is open
            return Need.APPROVALS
        if state in (State.APPROVED, State.VAULT_UNLOCKED, State.MFA_VERIFIED) and (
            not custody.has_record
        ):
            return Need.VAULT
        if state is State.VAULT_UNLOCKED:
            return mode.after_unlock(chosen=bool(self.parts.access.chosen))
        if state is State.MFA_VERIFIED:
            return Need.ACCOUNTS if custody.has_mfa_session() else Need.MFA
        if state is State.ACTIVE:
            if not self.parts.access.missing_sessions():
                return Need.ACCOUNTS if self.parts.access.adding else Need.ACTIVE
            return mode.for_missing_sessions(
                has_record=custody.has_record, has_mfa_session=custody.has_mfa_session()
            )
        if state in (State.ENDING, State.REVOKED):
            return Ending(self.parts).what_is_needed() or Need.REVOKE
        return Need.REVIEW if state is State.ROTATED else Need.CLOSE

    def seen_events(self) -> list[ActivityEvent]:
        return self.activity.events.snapshot()

    # ----- approvals ------------------------------------------------------------------------

    def amend_request(self, *, accounts: tuple[str, ...]) -> None:
        self.parts.access.amend_request(accounts)

    def widenable_accounts(self) -> tuple[str, ...]:
        return self.parts.access.widenable_accounts()

    def widen_request(self, accounts: tuple[str, ...]) -> None:
        """More accounts while access is open: a new pair of signatures first (needs())."""
        self.parts.access.widen_request(accounts)

    def eligible_approvers(self, role: approval_rules.Role) -> list[Any]:
        return approval_rules.eligible(self.config, role, self.incident.request.operator)

    def approval_request(self) -> SignedRequest:
        """The request text the approvers sign now: the one on record while it matches the
        request and can still be signed, else a new one (journaled, with the journal's head).
        Once approved, the one they signed."""
        request = self.incident.request
        ttl = self.config.approvals.request_minutes * 60
        now = self.deps.clock.now()
        on_record = self.incident.approval_request
        if on_record and not self.incident.awaiting_approval:
            return SignedRequest.from_payload(on_record)
        if not self.incident.awaiting_approval:
            self.parts.recorder.require(State.DECLARED)
        if on_record:
            current = SignedRequest.from_payload(on_record)
            if current.digest == request.digest and now <= current.issued_at + ttl:
                return current
        signed = render_request(
            request,
            request_id=new_request_id(),
            role_arns={a: self.config.role_arn(a) for a in request.accounts},
            not_after=now + ttl,
            journal_head=self.deps.journal.head()[1],
            issued_at=now,
        )
        self.parts.recorder.log("approval.requested", signed.as_payload())
        return signed

    def approval_method(self, approver_id: str) -> ApprovalMethod | None:
        """How this approver signs (the page shows the matching field)."""
        return self.deps.approvals.method_of(approver_id)

    def approve(
        self, role: approval_rules.Role, approver_id: str, response: Secret | str
    ) -> dict[str, Any]:
        recorder = self.parts.recorder
        if not self.incident.awaiting_approval:
            recorder.require(State.DECLARED)
        other_role = "secondary" if role == "primary" else "primary"
        other = next((a for a in self.incident.approvals if a["role"] == other_role), None)
        answer = response if isinstance(response, Secret) else Secret(response)
        try:
            approval = self.deps.approvals.sign(
                self.approval_request(),
                self.incident.id,
                self.incident.request.operator,
                role,
                approver_id,
                answer,
                other,
            )
        except BreakGlassError as exc:
            recorder.log(
                "approval.refused", {"role": role, "approver": approver_id, **exc.as_payload()}
            )
            raise
        recorder.log("approval.granted", approval.as_payload())
        digest = self.incident.request.digest
        signed = {
            a["role"]
            for a in self.incident.approvals
            if a["digest"] == digest and a.get("request_id") == approval.request_id
        }
        if signed == {"primary", "secondary"}:
            if recorder.state is State.DECLARED:
                recorder.transition(State.APPROVED, digest=digest)
            else:  # a widened request, signed again while access is open
                recorder.log("approval.reapproved", {"digest": digest})
        return approval.as_payload()

    # ----- Vault ----------------------------------------------------------------------------

    def vault_health(self) -> VaultHealth:
        return self.parts.vault.health()

    def seal_status(self) -> SealStatus:
        return self.parts.vault.seal_status()

    def submit_unseal_share(self, share: Secret, holder: str) -> SealStatus:
        return self.parts.vault.submit_unseal_share(share, holder)

    def unlock_vault(self, credential: Secret, user: str | None = None) -> dict[str, Any]:
        return self.parts.vault.unlock(credential, user)

    def keep_vault_alive(self) -> None:
        self.parts.vault.keep_alive()

    def record_public(self) -> dict[str, Any] | None:
        return self.parts.custody.record_public()

    @property
    def vault_logged_in(self) -> bool:
        return self.parts.custody.vault_logged_in

    # ----- MFA, accounts, sessions, the console ---------------------------------------------

    def check_clock(self) -> ClockCheck:
        return self.parts.access.check_clock()

    def verify_mfa(self, code: str) -> ClockCheck:
        return self.parts.access.verify_mfa(code)

    def has_mfa_session(self) -> bool:
        return self.parts.custody.has_mfa_session()

    def activate(self, accounts: tuple[str, ...], code: str | None = None) -> list[dict[str, Any]]:
        return self._then_notices(lambda: self.parts.access.activate(accounts, code))

    def allowed_accounts(self) -> tuple[str, ...]:
        return self.parts.access.allowed_accounts()

    def choose_accounts(self, accounts: tuple[str, ...]) -> None:
        """Direct mode: the accounts the next code opens; needs() then asks for the code."""
        self.parts.access.choose(accounts)

    @property
    def chosen_accounts(self) -> tuple[str, ...]:
        return self.parts.access.chosen

    def begin_adding_account(self) -> None:
        """ACTIVE: the operator wants another account; needs() shows the accounts page."""
        self.parts.recorder.require(State.ACTIVE)
        self.parts.access.adding = True

    def stop_adding_account(self) -> None:
        self.parts.access.adding = False

    @property
    def adding_account(self) -> bool:
        return self.parts.access.adding

    def code_target(self) -> tuple[str, str] | None:
        """Direct mode: the (account, purpose) whose session needs the next MFA code."""
        if self.state is State.ACTIVE:
            missing = self.missing_sessions()
            return missing[0] if missing else None
        if self.state in (State.ENDING, State.REVOKED):
            for account in self.ending().accounts_needed():
                if account not in self.sessions:
                    purpose = "target" if account in self.incident.accounts else "service"
                    return account, purpose
        return None

    def add_account(self, account: str, code: str | None = None) -> dict[str, Any]:
        return self._then_notices(lambda: self.parts.access.add_account(account, code))

    def missing_sessions(self) -> list[tuple[str, str]]:
        return self.parts.access.missing_sessions()

    def assume(
        self, account: str, purpose: str, code: str | None = None, *, notify: bool = True
    ) -> dict[str, Any]:
        return self._then_notices(
            lambda: self.parts.access.assume(account, purpose, code, notify=notify)
        )

    def reissue(self, account: str, code: str | None = None) -> dict[str, Any]:
        return self._then_notices(lambda: self.parts.access.reissue(account, code))

    def forget_session(self, account: str) -> None:
        """Drop a role session (direct mode re-issues it with a new code)."""
        self.parts.custody.forget_session(account)

    @property
    def mfa_mode(self) -> MfaMode:
        return self.deps.mfa_mode

    def console_url(self, account: str) -> Secret:
        return self._then_notices(lambda: self.parts.access.console_url(account))

    def open_console(self, account: str) -> None:
        """The console in the browser (a lapsed session renewed first), then the notices."""
        self._then_notices(lambda: self.parts.access.open_console(account))

    def _then_notices(self, step: Callable[[], T]) -> T:
        """Run an access step, then send the notices it owes (and any a previous run owed):
        after what the operator asked for is done, never before it (docs/rules.md §13). A
        failed step still sends what it owes (a session it opened is announced); a crash does
        not, and the next run's journal still owes them."""
        try:
            result = step()
        except Exception:
            self._deliver_owed()
            raise
        self._deliver_owed()
        return result

    def _deliver_owed(self) -> None:
        """Owed notices go out once every session the incident wants is open: SNS is reached
        with the notification account's role session, which a recovery or a direct-mode
        activation may not have yet (sent too early, the notice would fail for that alone).
        The ending's notice sends what is still owed before itself."""
        if not self.parts.access.missing_sessions():
            self.parts.announcer.deliver_owed()

    # ----- the end --------------------------------------------------------------------------

    def end_session(self) -> None:
        """ACTIVE → ENDING: from here the only way is forward through revocation."""
        self.parts.recorder.require(State.ACTIVE)
        self.parts.recorder.transition(State.ENDING)

    def revoke_and_rotate(self, progress: Callable[[str, str, str], None] | None = None) -> None:
        Ending(self.parts, progress).run()

    def ending(self) -> Ending:
        """The ending's plan (steps, accounts needed) without running it."""
        return Ending(self.parts)

    def abort(self, reason: str) -> None:
        if self.state not in BEFORE_ACTIVE:
            raise ProcedureError(
                "After access was granted the incident can only end through revocation.",
                code="procedure.abort",
            )
        if self.incident.role_sessions_requested:
            raise ProcedureError(
                "A role session may exist; end it through revocation.", code="procedure.abort"
            )
        if len(reason.strip()) < 5:
            raise ProcedureError("Say why the incident is aborted.", field="reason")
        exposed = self.incident.reached(State.VAULT_UNLOCKED)
        self.parts.recorder.transition(
            State.ABORTED, reason=reason.strip(), credentials_read=exposed
        )
        self.shutdown()

    def write_review(
        self,
        out_dir: Path | str,
        findings: str = "",
        lessons: str = "",
        formats: tuple[str, ...] = ("html", "md", "json"),
    ) -> list[Path]:
        recorder = self.parts.recorder
        recorder.require(State.ROTATED, State.REVIEWED)
        self.parts.anchoring.flush()  # the review lists every checkpoint's outcome
        recorder.log("review.notes", {"findings": findings, "lessons": lessons})
        try:
            paths, review = export_review(self, out_dir, formats)
        except BreakGlassError as exc:
            # The same full disk may refuse this entry too: the operator still gets the error.
            with contextlib.suppress(JournalError):
                recorder.log("review.failed", exc.as_payload())
            raise
        journal = review["journal"]
        # The hash the review ends on, chained: the closed screen shows this one (issue 19).
        recorder.log(
            "review.exported",
            {
                "files": [p.name for p in paths],
                "final_hash": journal["final_hash"],
                "entries": len(journal["entries"]),
                "through_seq": journal["entries"][-1]["seq"] if journal["entries"] else 0,
            },
        )
        if self.state is State.ROTATED:
            recorder.transition(State.REVIEWED)
        return paths

    def close(self) -> None:
        """REVIEWED → CLOSED; a Vault token still held (its revocation failed) is revoked first."""
        self.parts.recorder.require(State.REVIEWED)
        self.parts.vault.revoke_held(retry=True)
        self.parts.recorder.transition(State.CLOSED)
        self.shutdown()

    def shutdown(self) -> None:
        """Drop every secret; revoke the Vault token if one is held (also on app quit)."""
        with contextlib.suppress(Exception):  # a checkpoint still on its way is waited for
            self.parts.anchoring.flush()
        self.parts.vault.release()
