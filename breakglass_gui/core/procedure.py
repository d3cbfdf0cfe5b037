"""The break-glass procedure: one object per incident that enforces SPEC §1–§4 step by step.

Every transition and every side effect on AWS or Vault is journaled first (intent) and after
(outcome); a journal write that fails stops the step before the side effect (fail closed).
Secrets (Vault token, the IAM user's keys, MFA and role sessions) live only in this object's
memory; after a crash they are simply gone, and recovery asks for them again.

The GUI calls these methods on a worker thread; they block on the network and never touch Qt.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from breakglass_gui.core import approvals as approval_rules
from breakglass_gui.core.aws.clients import AwsCredentials
from breakglass_gui.core.aws.notify import Notifier
from breakglass_gui.core.aws.sts import (
    ClockCheck,
    MfaCodeGuard,
    RoleSession,
    Sts,
    chained_duration,
    require_unexpired,
)
from breakglass_gui.core.clock import utc_iso
from breakglass_gui.core.deps import Deps
from breakglass_gui.core.emergency import emergency_problems, refuse
from breakglass_gui.core.errors import BreakGlassError, JournalError, ProcedureError, VaultError
from breakglass_gui.core.incident import (
    ALLOWED,
    BEFORE_ACTIVE,
    Incident,
    Request,
    State,
    new_incident_id,
)
from breakglass_gui.core.journal import TRANSITION, Entry
from breakglass_gui.core.monitor import ActivityMonitor
from breakglass_gui.core.secret import Secret
from breakglass_gui.core.vault import BreakGlassRecord, SealStatus, VaultGateway, VaultHealth

log = logging.getLogger(__name__)
T = TypeVar("T")


class Procedure:
    def __init__(self, deps: Deps, incident: Incident) -> None:
        self.deps = deps
        self.config = deps.config
        self.incident = incident
        self.sessions: dict[str, RoleSession] = {}
        self.notifications: list[dict[str, Any]] = []
        self._vault: VaultGateway | None = None
        self._record: BreakGlassRecord | None = None
        self._mfa: AwsCredentials | None = None
        self._guard = MfaCodeGuard()
        self._lock = threading.RLock()
        self._sts = Sts(deps.aws, self.config.organisation.region)
        self.activity = ActivityMonitor(self)
        self.notifier = Notifier(
            self.config.notifications.sns_topic_arn,
            self._sns_client,
            deps.clock,
            deps.notify_backoff,
        )

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
        """Validate the emergency page (SPEC §2.1) and journal the new incident."""
        problems = emergency_problems(
            deps.config,
            emergency_type=emergency_type,
            other_text=other_text,
            justification=justification,
            operator=operator,
            duration_seconds=duration_seconds,
            accounts=accounts,
        )
        refuse(problems)
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
        procedure._transition(State.DECLARED, initial=True)
        return procedure

    @classmethod
    def resume(cls, deps: Deps, incident_id: str) -> Procedure:
        """Rebuild an unfinished incident from the journal after a restart (SPEC §6)."""
        entries = deps.journal.entries(incident_id)
        if not entries:
            raise ProcedureError(f"There is no incident {incident_id} in the journal.")
        procedure = cls(deps, Incident.replay(entries))
        procedure._log(
            "incident.resumed",
            {"state": procedure.state.value, "in_doubt": sorted(procedure.incident.open_intents)},
        )
        incident = procedure.incident
        for accessor, token in list(incident.live_tokens.items()):
            # The previous run's token died with it, unrevoked: it lapses at its expiry unless
            # the next login can revoke it by accessor (_revoke_orphaned_tokens).
            procedure._log(
                "vault.token_orphaned",
                {"accessor": accessor, "lapses_at": token.get("expires_at", "")},
            )
        if incident.state in BEFORE_ACTIVE and incident.role_sessions_requested:
            # A role session may exist in AWS: the only way on is through revocation.
            for state in (State.APPROVED, State.VAULT_UNLOCKED, State.MFA_VERIFIED, State.ACTIVE):
                if not incident.reached(state):
                    procedure._transition(state, reason="recovery: a role session may exist")
        return procedure

    # ----- journaling ---------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self.incident.state

    @property
    def id(self) -> str:
        return self.incident.id

    def _log(self, kind: str, payload: dict[str, Any], *, hold: bool = False) -> None:
        with self._lock:
            self._append(kind, payload, hold=hold)

    def _append(self, kind: str, payload: dict[str, Any], *, hold: bool) -> None:
        if hold:
            if self.deps.journal.append_or_hold(self.id, kind, payload):
                self._resync()
            else:
                self.incident._apply(Entry(0, "", self.id, kind, payload, ""))
            return
        entry = self.deps.journal.append(self.id, kind, payload)
        self.incident._apply(entry)

    def _resync(self) -> None:
        self.incident = Incident.replay(self.deps.journal.entries(self.id))

    def _transition(self, to: State, *, initial: bool = False, **payload: Any) -> None:
        current = self.state
        if not initial and to not in ALLOWED[current]:
            raise ProcedureError(
                f"The incident cannot go from {current} to {to}.", code="procedure.transition"
            )
        hold = current in (State.ENDING, State.REVOKED)
        self._log(
            TRANSITION,
            {"from": None if initial else current.value, "to": to.value, **payload},
            hold=hold,
        )

    def _effect(
        self,
        name: str,
        details: dict[str, Any],
        fn: Callable[[], T],
        *,
        key: str | None = None,
        hold: bool = False,
        evidence: Callable[[T], dict[str, Any]] | None = None,
    ) -> T:
        """Intent → side effect → outcome, each journaled; failures journaled and re-raised.

        Results are never journaled as such (an AWS response can carry a secret); `evidence`
        picks the fields worth keeping.
        """
        effect_key = key or name
        self._log("effect.intent", {"effect": name, "key": effect_key, **details}, hold=hold)
        seen = len(self._vault.request_ids) if self._vault is not None else 0
        try:
            result = fn()
        except BreakGlassError as exc:
            self._log(
                "effect.outcome",
                {"effect": name, "key": effect_key, "ok": False, **exc.as_payload()},
                hold=hold,
            )
            raise
        except Exception as exc:
            self._log(
                "effect.outcome",
                {
                    "effect": name,
                    "key": effect_key,
                    "ok": False,
                    "code": "unexpected",
                    "message": type(exc).__name__,
                },
                hold=hold,
            )
            raise
        kept = evidence(result) if evidence is not None else {}
        outcome = {"effect": name, "key": effect_key, "ok": True, "evidence": kept}
        if self._vault is not None and len(self._vault.request_ids) > seen:
            # Vault's own audit log has these ids: an auditor matches the two records.
            outcome["vault_request_ids"] = self._vault.request_ids[seen:]
        self._log("effect.outcome", outcome, hold=hold)
        return result

    def needs(self) -> str:
        """What the operator must provide next: the wizard and the recovery screen follow this.

        One of: approvals, vault, mfa, accounts, code (direct mode), sessions (some account
        still lacks a role session), active, revoke, review, close, done.
        """
        state = self.state
        direct = self.config.session.mfa_mode == "direct"
        if self.incident.finished:
            return "done"
        if state is State.DECLARED:
            return "approvals"
        if state in (State.APPROVED, State.VAULT_UNLOCKED, State.MFA_VERIFIED) and (
            self._record is None
        ):
            return "vault"
        if state is State.VAULT_UNLOCKED:
            return "accounts" if direct else "mfa"
        if state is State.MFA_VERIFIED:
            return "accounts" if self.has_mfa_session() else "mfa"
        if state is State.ACTIVE:
            if not self.missing_sessions():
                return "active"
            if self._record is None and (direct or not self.has_mfa_session()):
                return "vault"
            if direct:
                return "code"
            return "sessions" if self.has_mfa_session() else "mfa"
        if state in (State.ENDING, State.REVOKED):
            from breakglass_gui.core.ending import Ending

            return Ending(self).what_is_needed() or "revoke"
        return "review" if state is State.ROTATED else "close"

    def _require(self, *states: State) -> None:
        if self.state not in states:
            raise ProcedureError(
                f"This step is not possible while the incident is {self.state.value}.",
                code="procedure.state",
            )

    # ----- approvals (§2.2) ---------------------------------------------------------------

    def amend_request(self, *, accounts: tuple[str, ...]) -> None:
        """Change what is being requested; approvals already given no longer match its digest."""
        self._require(State.DECLARED)
        unknown = [a for a in accounts if self.config.account(a) is None]
        if unknown:
            raise ProcedureError(f"Unknown account(s): {', '.join(unknown)}.", field="accounts")
        request = replace(self.incident.request, accounts=tuple(accounts))
        self._log(
            "incident.request_amended", {"request": request.as_payload(), "digest": request.digest}
        )

    def eligible_approvers(self, role: approval_rules.Role) -> list[Any]:
        return approval_rules.eligible(self.config, role, self.incident.request.operator)

    def approve(self, role: approval_rules.Role, approver_id: str, code: str) -> dict[str, Any]:
        self._require(State.DECLARED)
        desk = approval_rules.ApprovalDesk(
            self.config, self.deps.journal, self.deps.totp_secrets, self.deps.clock
        )
        other_role = "secondary" if role == "primary" else "primary"
        other = next((a for a in self.incident.approvals if a["role"] == other_role), None)
        try:
            approval = desk.sign(self.incident.request, role, approver_id, code, other)
        except BreakGlassError as exc:
            self._log(
                "approval.refused", {"role": role, "approver": approver_id, **exc.as_payload()}
            )
            raise
        self._log("approval.granted", approval.as_payload())
        digest = self.incident.request.digest
        signed = {a["role"] for a in self.incident.approvals if a["digest"] == digest}
        if signed == {"primary", "secondary"}:
            self._transition(State.APPROVED, digest=digest)
        return approval.as_payload()

    # ----- Vault (§2.3) -------------------------------------------------------------------

    @property
    def vault(self) -> VaultGateway:
        if self._vault is None:
            self._vault = self.deps.vault()
        return self._vault

    def vault_health(self) -> VaultHealth:
        health = self.vault.health()
        server = {"version": health.version, "cluster_name": health.cluster_name}
        if server != self.incident.vault_server:  # once per server, for the review
            self._log("vault.server", server)
        return health

    def seal_status(self) -> SealStatus:
        return self.vault.seal_status()

    def submit_unseal_share(self, share: Secret, holder: str) -> SealStatus:
        """One key share from one holder; journaled by holder and progress, never by value."""
        status = self._effect(
            "vault.unseal_share",
            {"holder": holder},
            lambda: self.vault.submit_unseal_share(share),
            evidence=lambda s: {"progress": s.progress, "sealed": s.sealed},
        )
        self._log(
            "vault.unseal_progress",
            {"progress": status.progress, "threshold": status.threshold, "sealed": status.sealed},
        )
        return status

    def unlock_vault(self, credential: Secret, user: str | None = None) -> dict[str, Any]:
        """Log in and read the break-glass record. Also used again during recovery."""
        if self.state is State.DECLARED or self.incident.finished:
            self._require(State.APPROVED)
        user = user or self.incident.vault_user or self.config.vault.default_user
        if user not in self.config.vault.users:
            raise ProcedureError(
                f'"{user}" is not one of the configured break-glass users.', field="user"
            )
        method = self.config.vault.auth_method
        self._settle_previous_tokens()
        self._effect(
            "vault.login",
            {"method": method},
            lambda: self.vault.login(credential),
            evidence=lambda facts: facts,
        )
        if not self.incident.vault_server:  # which server answered, for the review
            with contextlib.suppress(VaultError):
                self.vault_health()
        self._revoke_orphaned_tokens()
        record = self._effect(
            "vault.read_record", {"user": user}, lambda: self.vault.read_record(user)
        )
        self._forget_record()
        self._record = record
        self._log("vault.record_read", {**record.public()})
        if self.state is State.APPROVED:
            self._transition(State.VAULT_UNLOCKED, user=user)
        return record.public()

    def _settle_previous_tokens(self) -> None:
        """Before a new login: a token still held is revoked (never left to lapse unseen), and
        one this run already lost (Vault said it expired) is journaled as lapsed, so only
        tokens a crash really left behind are ever called orphaned."""
        held = self._vault.accessor if self._vault is not None and self._vault.logged_in else ""
        if held:
            self._effect(
                "vault.revoke_token",
                {"before": "login"},
                self.vault.revoke_token,
                evidence=_revoked(held),
            )
        for accessor in list(self.incident.live_tokens):
            if accessor != held:
                self._log("vault.token_lapsed", {"accessor": accessor})

    def keep_vault_alive(self) -> None:
        """Renew the Vault token once half its TTL has passed, while the incident holds one
        (called with every activity poll; a token that cannot be renewed any more simply
        lapses and the ending asks for a new login)."""
        if self._vault is None or not self._vault.renewal_due():
            return
        try:
            self._effect(
                "vault.renew_token", {}, self._vault.renew_token, evidence=lambda facts: facts
            )
        except BreakGlassError as exc:
            log.warning("Vault token not renewed: %s", exc.message)

    def _revoke_orphaned_tokens(self) -> None:
        """Tokens a crash left behind (their accessors are journaled): revoke each by accessor
        where the policy allows; otherwise the journal keeps the time each one lapses."""
        for accessor, token in list(self.incident.orphaned_tokens.items()):
            if token.get("revoke_tried"):
                continue
            try:
                self._effect(
                    "vault.revoke_accessor",
                    {"accessor": accessor, "lapses_at": token.get("expires_at", "")},
                    lambda a=accessor: self.vault.revoke_accessor(a),  # type: ignore[misc]
                    key=f"vault.revoke_accessor:{accessor}",
                    evidence=lambda _, a=accessor: {"accessor": a},  # type: ignore[misc]
                )
            except BreakGlassError as exc:
                log.info("orphaned Vault token %s not revoked: %s", accessor, exc.message)

    def record_public(self) -> dict[str, Any] | None:
        """What the pages may show of the Vault record: user name and MFA serial, no secret."""
        return self._record.public() if self._record is not None else None

    def _forget_record(self) -> None:
        if self._record is not None:
            self._record.wipe()
            self._record = None

    def _user_credentials(self) -> AwsCredentials:
        if self._record is None or self._record.secret_access_key.wiped:
            raise ProcedureError(
                "Unlock Vault first: the break-glass credentials are needed.", code="needs.vault"
            )
        return AwsCredentials(self._record.access_key_id, self._record.secret_access_key)

    # ----- MFA (§2.4) ---------------------------------------------------------------------

    def check_clock(self) -> ClockCheck:
        check, arn = self._sts.check_clock(self._user_credentials(), self.deps.clock.now())
        self._log(
            "aws.clock_check",
            {"skew_seconds": round(check.skew_seconds, 1), "level": check.level, "caller": arn},
        )
        return check

    def _accept_code(self, code: str) -> ClockCheck:
        code = code.strip().replace(" ", "")
        now = self.deps.clock.now()
        self._guard.check(code, now)
        check = self.check_clock()
        if check.level == "block":
            raise ProcedureError(check.message(), code="aws.clock_skew", field="code")
        self._guard.sent(code, self.deps.clock.now())
        return check

    def verify_mfa(self, code: str) -> ClockCheck:
        """Session mode: GetSessionToken with the code. Allowed again in recovery."""
        if self.config.session.mfa_mode != "session":
            raise ProcedureError(
                "In direct mode the MFA code is entered with the accounts.", code="procedure.mode"
            )
        if not self.incident.reached(State.VAULT_UNLOCKED) or self.incident.finished:
            self._require(State.VAULT_UNLOCKED)
        credentials = self._user_credentials()
        check = self._accept_code(code)
        code = code.strip().replace(" ", "")
        duration = max(900, self.incident.request.duration_seconds)
        assert self._record is not None
        serial = self._record.mfa_serial
        mfa = self._effect(
            "sts.get_session_token",
            {"serial": serial, "duration": duration},
            lambda: self._sts.get_session_token(credentials, serial, code, duration),
        )
        self._mfa = mfa
        self.activity.issued(mfa.access_key_id)
        self._log(
            "session.mfa",
            {"access_key_id": mfa.access_key_id, "expires": utc_iso(mfa.expiration or 0)},
        )
        if self.state is State.VAULT_UNLOCKED:
            self._transition(State.MFA_VERIFIED, mode="session")
        return check

    # ----- accounts and sessions (§2.5) -----------------------------------------------------

    def _check_accounts(self, accounts: tuple[str, ...]) -> None:
        if not accounts:
            raise ProcedureError("Choose at least one account.", field="accounts")
        unknown = [a for a in accounts if self.config.account(a) is None]
        if unknown:
            raise ProcedureError(f"Unknown account(s): {', '.join(unknown)}.", field="accounts")
        approved = self.incident.request.accounts
        outside = [a for a in accounts if approved and a not in approved]
        if outside:
            raise ProcedureError(
                f"The approvers signed for {', '.join(approved)} only; {', '.join(outside)} "
                "needs a new request.",
                field="accounts",
            )

    def activate(self, accounts: tuple[str, ...], code: str | None = None) -> list[dict[str, Any]]:
        """Enter ACTIVE and obtain role sessions in the chosen and the service accounts."""
        self._check_accounts(accounts)
        direct = self.config.session.mfa_mode == "direct"
        if direct:
            self._require(State.VAULT_UNLOCKED)
            if code is None:
                raise ProcedureError("Enter the MFA code.", field="code")
            self._log("incident.accounts", {"accounts": list(accounts)})
            first = self.assume(accounts[0], "target", code, notify=False)
            self._transition(State.MFA_VERIFIED, mode="direct")
            self._transition(State.ACTIVE, accounts=list(accounts))
            return [first]
        self._require(State.MFA_VERIFIED)
        self._transition(State.ACTIVE, accounts=list(accounts))
        self._log("incident.accounts", {"accounts": list(accounts)})
        issued = [
            self.assume(account, purpose, notify=False)
            for account, purpose in self.missing_sessions()
        ]
        self._notify("activated", f"Break glass ACTIVE: {self.id}")
        return issued

    def add_account(self, account: str, code: str | None = None) -> dict[str, Any]:
        self._require(State.ACTIVE)
        self._check_accounts((account,))
        if account not in self.incident.accounts:
            self._log("incident.accounts", {"accounts": [*self.incident.accounts, account]})
        return self.assume(account, "target", code)

    def missing_sessions(self) -> list[tuple[str, str]]:
        """(account, purpose) pairs without a live session: targets first, then service ones."""
        wanted: list[tuple[str, str]] = [(a, "target") for a in self.incident.accounts]
        for purpose, account in self.config.service_accounts().items():
            if all(a != account for a, _ in wanted):
                wanted.append((account, purpose))
        now = self.deps.clock.now()
        return [
            (a, p)
            for a, p in wanted
            if a not in self.sessions or self.sessions[a].expires <= now + 60
        ]

    def assume(
        self, account: str, purpose: str, code: str | None = None, *, notify: bool = True
    ) -> dict[str, Any]:
        """AssumeRole in one account: chained on the MFA session, or with a code (direct)."""
        request = self.incident.request
        direct = self.config.session.mfa_mode == "direct"
        if direct:
            if code is None:
                raise ProcedureError(
                    "Enter a new MFA code for this account.", field="code", code="needs.code"
                )
            base = self._user_credentials()
            self._accept_code(code)
            code = code.strip().replace(" ", "")
        else:
            base = require_unexpired(self._mfa, self.deps.clock.now(), "MFA session")
        role_arn = self.config.role_arn(account)
        duration = chained_duration(
            request.duration_seconds, self.config.role.max_session_duration, chained=not direct
        )
        assert self._record is not None or not direct
        serial = self._record.mfa_serial if (direct and self._record) else None
        credentials, facts = self._effect(
            "sts.assume_role",
            {
                "account": account,
                "purpose": purpose,
                "role_arn": role_arn,
                "duration": duration,
                "session_name": self.id,
                "source_identity": request.operator,
            },
            lambda: self._sts.assume_role(
                base,
                role_arn=role_arn,
                session_name=self.id,
                source_identity=request.operator,
                tags={"incident": self.id, "emergency-type": _tag(request.emergency_type)},
                duration=duration,
                serial=serial,
                code=code,
            ),
            key=f"sts.assume_role:{account}",
        )
        now = self.deps.clock.now()
        session = RoleSession(
            account,
            purpose,
            role_arn,
            credentials,
            now,
            credentials.expiration or now + duration,
            chained=not direct,
        )
        old = self.sessions.get(account)
        if old is not None:
            old.credentials.wipe()
        self.sessions[account] = session
        self.activity.issued(credentials.access_key_id)
        public = session.public() | {"source_identity": facts["source_identity"]}
        self._log("session.issued", public)
        if notify and purpose == "target":
            self._notify("session", f"Break glass session: {self.id} in {account}", account=account)
        return public

    def reissue(self, account: str, code: str | None = None) -> dict[str, Any]:
        """Fresh role credentials without a new code while the MFA session lasts (SPEC §3)."""
        self._require(State.ACTIVE)
        purpose = self.sessions[account].purpose if account in self.sessions else "target"
        return self.assume(account, purpose, code)

    def _client(self, service: str, account: str, region: str | None = None, **kwargs: Any) -> Any:
        session = self.sessions.get(account)
        if session is None:
            raise ProcedureError(f"There is no session in account {account}.", code="needs.session")
        return self.deps.aws.client(
            service, session.credentials, region or self.config.organisation.region, **kwargs
        )

    # ----- console (§3) -------------------------------------------------------------------

    def console_url(self, account: str) -> Secret:
        self._require(State.ACTIVE)
        session = self.sessions.get(account)
        if session is None or session.purpose != "target":
            raise ProcedureError(
                "Console sign-in is only for the accounts you chose.", code="procedure.account"
            )
        remaining = int(session.expires - self.deps.clock.now())
        duration = (
            None if session.chained else min(remaining, self.incident.request.duration_seconds)
        )
        return self._effect(
            "federation.signin",
            {"account": account, "session_duration": duration},
            lambda: self.deps.console.console_url(
                session.credentials,
                session_duration=duration,
                logout_first=self.config.session.logout_first,
            ),
            key=f"federation.signin:{account}",
        )

    def open_console(self, account: str) -> None:
        url = self.console_url(account)
        self._effect("browser.open", {"account": account}, lambda: self.deps.browser.open(url))
        self._log("console.opened", {"account": account})
        url.wipe()

    # ----- notifications (§5.3) -----------------------------------------------------------

    def _sns_client(self) -> Any:
        topic = self.config.notifications
        return self._client("sns", topic.account_id, topic.region)

    def _notify(self, event: str, subject: str, **extra: Any) -> dict[str, Any]:
        request = self.incident.request
        _, head = self.deps.journal.head()
        message = {
            "event": event,
            "incident": self.id,
            "operator": request.operator,
            "emergency_type": request.emergency_type,
            "approvers": [f"{a['role']}: {a['approver']}" for a in self.incident.approvals],
            "accounts": list(self.incident.accounts),
            "journal_chain_hash": head,
            "drill": self.deps.drill,
            **extra,
        }
        outcome = self.notifier.publish(("[DRILL] " if self.deps.drill else "") + subject, message)
        record = {"event": event, **outcome, **extra}
        self.notifications.append(record)
        kind = "notification.sent" if outcome["sent"] else "notification.failed"
        self._log(kind, record, hold=self.incident.reached(State.ENDING))
        return record

    # ----- ending (§4) --------------------------------------------------------------------

    def end_session(self) -> None:
        """ACTIVE → ENDING: from here the only way is forward through revocation."""
        self._require(State.ACTIVE)
        self._transition(State.ENDING)

    def revoke_and_rotate(self, progress: Callable[[str, str, str], None] | None = None) -> None:
        from breakglass_gui.core.ending import Ending

        Ending(self, progress).run()

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
        self._transition(State.ABORTED, reason=reason.strip(), credentials_read=exposed)
        self.shutdown()

    def write_review(
        self,
        out_dir: Any,
        findings: str = "",
        lessons: str = "",
        formats: tuple[str, ...] = ("html", "md", "json"),
        extra: dict[str, Any] | None = None,
    ) -> list[Any]:
        from breakglass_gui.core.review.export import export_review

        self._require(State.ROTATED, State.REVIEWED)
        self._log("review.notes", {"findings": findings, "lessons": lessons})
        try:
            paths = export_review(self, out_dir, formats, extra)
        except BreakGlassError as exc:
            # The same full disk may refuse this entry too: the operator still gets the error.
            with contextlib.suppress(JournalError):
                self._log("review.failed", exc.as_payload())
            raise
        self._log("review.exported", {"files": [p.name for p in paths]})
        if self.state is State.ROTATED:
            self._transition(State.REVIEWED)
        return paths

    def close(self) -> None:
        """REVIEWED → CLOSED; a Vault token still held (its revocation failed) is revoked first."""
        self._require(State.REVIEWED)
        if self._vault is not None and self.vault_logged_in:
            self._effect(
                "vault.revoke_token",
                {"retry": True},
                self._vault.revoke_token,
                evidence=_revoked(self._vault.accessor),
            )
        self._transition(State.CLOSED)
        self.shutdown()

    def shutdown(self) -> None:
        """Drop every secret; revoke the Vault token if one is held (also on app quit)."""
        if self._vault is not None and self._vault.logged_in:
            try:
                self._effect(
                    "vault.revoke_token",
                    {},
                    self._vault.revoke_token,
                    hold=True,
                    evidence=_revoked(self._vault.accessor),
                )
            except BreakGlassError as exc:
                log.warning("Vault token not revoked: %s", exc.message)
        self._forget_record()
        if self._mfa is not None:
            self._mfa.wipe()
            self._mfa = None
        for session in self.sessions.values():
            session.credentials.wipe()
        self.sessions.clear()

    # ----- used by Ending ------------------------------------------------------------------

    @property
    def vault_logged_in(self) -> bool:
        """Whether a Vault token is held, without creating a client to find out."""
        return self._vault is not None and self._vault.logged_in

    def has_mfa_session(self) -> bool:
        """An MFA session that is held and still has time to chain a role session."""
        mfa = self._mfa
        if mfa is None or not mfa.usable:
            return False
        return mfa.expiration is None or mfa.expiration > self.deps.clock.now() + SESSION_MARGIN

    def has_live_session(self, account: str) -> bool:
        """A role session in `account` that will not expire in the middle of a call: a long
        incident outlives every session, and the ending must not use a dead one (AWS answers
        ExpiredToken)."""
        session = self.sessions.get(account)
        if session is None or not session.credentials.usable:
            return False
        return session.expires > self.deps.clock.now() + SESSION_MARGIN

    def forget_session(self, account: str) -> None:
        session = self.sessions.pop(account, None)
        if session is not None:
            session.credentials.wipe()

    def key_works(self, credentials: AwsCredentials) -> str:
        _, arn = self._sts.check_clock(credentials, self.deps.clock.now())
        return arn


# Seconds a session must still have to be used for a call: a revoke-and-rotate of many
# accounts takes well under a minute (SPEC §13), twice that is kept in hand.
SESSION_MARGIN = 120.0


def _tag(text: str) -> str:
    """Session tag values allow letters, digits, spaces and _.:/=+-@ only."""
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.:/=+-@")
    return "".join(c if c in allowed else "-" for c in text)[:256]


def _revoked(accessor: str) -> Callable[[bool], dict[str, Any]]:
    """The journal's record of a token revocation: which token (by accessor), and whether."""
    return lambda revoked: {"revoked": revoked, "accessor": accessor}
