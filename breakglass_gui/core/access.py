"""The access steps of an incident: the MFA code, the accounts, role sessions, the console.

How the code reaches AWS is the MFA mode's business (core/mfa_modes.py): in `session` mode one
code buys an MFA session that role sessions are chained on; in `direct` mode every AssumeRole
carries its own code. Every call is journaled through the recorder; credentials go to custody.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from breakglass_gui.core.aws.clients import AwsCredentials
from breakglass_gui.core.aws.sts import ClockCheck, MfaCodeGuard, RoleSession, Sts, chained_duration
from breakglass_gui.core.clock import utc_iso
from breakglass_gui.core.custody import Custody
from breakglass_gui.core.deps import Deps
from breakglass_gui.core.directory import scope_of
from breakglass_gui.core.emergency import account_problem
from breakglass_gui.core.errors import ProcedureError
from breakglass_gui.core.incident import State
from breakglass_gui.core.notifications.announcer import Announcer
from breakglass_gui.core.recorder import Recorder
from breakglass_gui.core.secret import Secret

# A role session with less left than this is renewed before a console sign-in (the console
# would end almost at once) and counts as missing when sessions are (re)obtained.
LAPSING_SECONDS = 60


class Access:
    def __init__(
        self,
        deps: Deps,
        recorder: Recorder,
        custody: Custody,
        announcer: Announcer,
        issued: Callable[[str], None],
    ) -> None:
        self._deps = deps
        self._config = deps.config
        self._mode = deps.mfa_mode
        self._recorder = recorder
        self._custody = custody
        self._announcer = announcer
        self._issued = issued  # tells the activity monitor which keys are the app's
        self._guard = MfaCodeGuard()
        self._sts = Sts(deps.aws, self._config.organisation.region)
        # What the operator is in the middle of (not journaled: a relaunch asks again).
        self.chosen: tuple[str, ...] = ()  # direct mode: chosen accounts waiting for a code
        self.adding = False  # ACTIVE: the operator is choosing another account

    # ----- the MFA code -------------------------------------------------------------------

    def check_clock(self) -> ClockCheck:
        check, arn = self._sts.check_clock(self._custody.user_credentials(), self._deps.clock.now())
        self._recorder.log(
            "aws.clock_check",
            {"skew_seconds": round(check.skew_seconds, 1), "level": check.level, "caller": arn},
        )
        return check

    def _accept_code(self, code: str) -> tuple[str, ClockCheck]:
        """The code as sent, once the guard and the clock allow it (a code goes to AWS once)."""
        code = code.strip().replace(" ", "")
        self._guard.check(code, self._deps.clock.now())
        check = self.check_clock()
        if check.level == "block":
            raise ProcedureError(check.message(), code="aws.clock_skew", field="code")
        self._guard.sent(code, self._deps.clock.now())
        return code, check

    def verify_mfa(self, code: str) -> ClockCheck:
        """Session mode: GetSessionToken with the code. Allowed again in recovery."""
        if self._mode.code_per_session:
            raise ProcedureError(
                "In direct mode the MFA code is entered with the accounts.", code="procedure.mode"
            )
        recorder = self._recorder
        if not recorder.incident.reached(State.VAULT_UNLOCKED) or recorder.incident.finished:
            recorder.require(State.VAULT_UNLOCKED)
        credentials = self._custody.user_credentials()
        code, check = self._accept_code(code)
        duration = max(900, recorder.incident.request.duration_seconds)
        serial = self._custody.mfa_serial or ""
        mfa = recorder.effect(
            "sts.get_session_token",
            {"serial": serial, "duration": duration},
            lambda: self._sts.get_session_token(credentials, serial, code, duration),
        )
        self._custody.keep_mfa(mfa)
        self._issued(mfa.access_key_id)
        recorder.log(
            "session.mfa",
            {"access_key_id": mfa.access_key_id, "expires": utc_iso(mfa.expiration or 0)},
        )
        if recorder.state is State.VAULT_UNLOCKED:
            recorder.transition(State.MFA_VERIFIED, mode=self._mode.name)
        return check

    # ----- accounts -----------------------------------------------------------------------

    def allowed_accounts(self) -> tuple[str, ...]:
        """What may be chosen now: the accounts signed for, else the emergency type's scope,
        else every account of the directory."""
        request = self._recorder.incident.request
        return request.accounts or self._scope()

    def _scope(self) -> tuple[str, ...]:
        """The accounts the emergency type may reach: its scope, else the whole directory."""
        kind = self._config.emergency_type(self._recorder.incident.request.emergency_type)
        return scope_of(self._deps.directory, kind)

    def _known_and_in_scope(self, accounts: tuple[str, ...]) -> None:
        problem = account_problem(
            self._deps, self._recorder.incident.request.emergency_type, accounts
        )
        if problem:
            raise problem

    def check_accounts(self, accounts: tuple[str, ...]) -> None:
        """Known to the directory, within the emergency type's scope, and signed for."""
        if not accounts:
            raise ProcedureError("Choose at least one account.", field="accounts")
        self._known_and_in_scope(accounts)
        approved = self._recorder.incident.request.accounts
        outside = [a for a in accounts if approved and a not in approved]
        if outside:
            raise ProcedureError(
                f"The approvers signed for {', '.join(approved)} only; {', '.join(outside)} "
                "needs a new request.",
                field="accounts",
            )

    def widenable_accounts(self) -> tuple[str, ...]:
        """Accounts a new pair of signatures could add: the emergency type's scope (else the
        directory) beyond what was signed for."""
        signed = self._recorder.incident.request.accounts
        return tuple(a for a in self._scope() if a not in signed)

    def widen_request(self, accounts: tuple[str, ...]) -> None:
        """ACTIVE: ask for more accounts. The request in force changes, so nothing more is
        done (no Vault read, no AssumeRole, even in accounts already signed for) until both
        approvers sign the new request; sessions already open stay as they are."""
        recorder = self._recorder
        recorder.require(State.ACTIVE)
        request = recorder.incident.request
        new = tuple(a for a in accounts if a not in request.accounts)
        if not new:
            raise ProcedureError("Choose an account not yet signed for.", field="accounts")
        self._known_and_in_scope(new)
        widened = replace(request, accounts=(*request.accounts, *new))
        recorder.log(
            "incident.request_amended", {"request": widened.as_payload(), "widened": list(new)}
        )

    def amend_request(self, accounts: tuple[str, ...]) -> None:
        """Change what is being requested; approvals already given no longer match its digest."""
        self._recorder.require(State.DECLARED)
        self._known_and_in_scope(accounts)
        request = replace(self._recorder.incident.request, accounts=tuple(accounts))
        self._recorder.log(
            "incident.request_amended", {"request": request.as_payload(), "digest": request.digest}
        )

    def choose(self, accounts: tuple[str, ...]) -> None:
        """Direct mode: the accounts to open with the next code (checked now)."""
        self._recorder.require(State.VAULT_UNLOCKED)
        self.check_accounts(accounts)
        self.chosen = tuple(accounts)

    def activate(self, accounts: tuple[str, ...], code: str | None = None) -> list[dict[str, Any]]:
        """Enter ACTIVE and obtain role sessions in the chosen and the service accounts."""
        self.check_accounts(accounts)
        recorder = self._recorder
        self.chosen = ()
        if self._mode.code_per_session:
            recorder.require(State.VAULT_UNLOCKED)
            if code is None:
                raise ProcedureError("Enter the MFA code.", field="code")
            recorder.log("incident.accounts", {"accounts": list(accounts)})
            first = self.assume(accounts[0], "target", code, notify=False)
            recorder.transition(State.MFA_VERIFIED, mode=self._mode.name)
            recorder.transition(State.ACTIVE, accounts=list(accounts))
            return [first]
        recorder.require(State.MFA_VERIFIED)
        recorder.transition(State.ACTIVE, accounts=list(accounts))
        recorder.log("incident.accounts", {"accounts": list(accounts)})
        issued = [
            self.assume(account, purpose, notify=False)
            for account, purpose in self.missing_sessions()
        ]
        self._announcer.owe("activated", f"Break glass ACTIVE: {recorder.id}")
        return issued

    def add_account(self, account: str, code: str | None = None) -> dict[str, Any]:
        self._recorder.require(State.ACTIVE)
        self.check_accounts((account,))
        self.adding = False
        accounts = self._recorder.incident.accounts
        if account not in accounts:
            self._recorder.log("incident.accounts", {"accounts": [*accounts, account]})
        return self.assume(account, "target", code)

    def missing_sessions(self) -> list[tuple[str, str]]:
        """(account, purpose) pairs without a live session: targets first, then service ones."""
        wanted: list[tuple[str, str]] = [(a, "target") for a in self._recorder.incident.accounts]
        for purpose, account in self._config.service_accounts().items():
            if all(a != account for a, _ in wanted):
                wanted.append((account, purpose))
        now = self._deps.clock.now()
        return [
            (a, p)
            for a, p in wanted
            if (s := self._custody.session(a)) is None or s.expires <= now + LAPSING_SECONDS
        ]

    # ----- role sessions --------------------------------------------------------------------

    def _base(self, code: str | None) -> tuple[AwsCredentials, str | None, str | None]:
        """What AssumeRole is called with: the user's keys with a code and its serial (direct),
        or the MFA session to chain on."""
        if not self._mode.code_per_session:
            return self._custody.mfa_session(), None, None
        if code is None:
            raise ProcedureError(
                "Enter a new MFA code for this account.", field="code", code="needs.code"
            )
        base = self._custody.user_credentials()
        return base, self._custody.mfa_serial, self._accept_code(code)[0]

    def assume(
        self, account: str, purpose: str, code: str | None = None, *, notify: bool = True
    ) -> dict[str, Any]:
        """AssumeRole in one account: chained on the MFA session, or with a code (direct)."""
        recorder = self._recorder
        recorder.require_signed_request()
        incident_id, request = recorder.id, recorder.incident.request
        base, serial, code = self._base(code)
        role_arn = self._config.role_arn(account)
        chained = self._mode.chained
        duration = chained_duration(
            request.duration_seconds, self._config.role.max_session_duration, chained=chained
        )
        credentials, facts = recorder.effect(
            "sts.assume_role",
            {
                "account": account,
                "purpose": purpose,
                "role_arn": role_arn,
                "duration": duration,
                "session_name": incident_id,
                "source_identity": self._recorder.incident.source_identity,
            },
            lambda: self._sts.assume_role(
                base,
                role_arn=role_arn,
                session_name=incident_id,
                source_identity=self._recorder.incident.source_identity,
                tags={"incident": incident_id, "emergency-type": _tag(request.emergency_type)},
                duration=duration,
                serial=serial,
                code=code,
            ),
            key=f"sts.assume_role:{account}",
        )
        now = self._deps.clock.now()
        expires = credentials.expiration or now + duration
        session = RoleSession(account, purpose, role_arn, credentials, now, expires, chained)
        self._custody.keep_session(session)
        self._issued(credentials.access_key_id)
        public = session.public() | {"source_identity": facts["source_identity"]}
        recorder.log("session.issued", public)
        if notify and purpose == "target":
            self._announcer.owe(
                "session", f"Break glass session: {incident_id} in {account}", account=account
            )
        return public

    def reissue(self, account: str, code: str | None = None) -> dict[str, Any]:
        """Fresh role credentials without a new code while the MFA session lasts."""
        self._recorder.require(State.ACTIVE)
        session = self._custody.session(account)
        return self.assume(account, session.purpose if session else "target", code)

    def key_works(self, credentials: AwsCredentials) -> str:
        """The ARN these keys authenticate as (GetCallerIdentity); raises if they do not."""
        _, arn = self._sts.check_clock(credentials, self._deps.clock.now())
        return arn

    # ----- the console --------------------------------------------------------------------

    def console_url(self, account: str) -> Secret:
        """The federated sign-in URL. A chosen account whose role session has lapsed (or is
        about to) gets a fresh one first where no code is needed, so "Open console" is one
        input away from the console: AssumeRole, getSigninToken (docs/rules.md §13)."""
        self._recorder.require(State.ACTIVE)
        session = self._custody.session(account)
        if account not in self._recorder.incident.accounts or (
            session is not None and session.purpose != "target"
        ):
            raise ProcedureError(
                "Console sign-in is only for the accounts you chose.", code="procedure.account"
            )
        if session is None or session.expires <= self._deps.clock.now() + LAPSING_SECONDS:
            self.assume(account, "target")  # direct mode: needs.code, the MFA page asks
            session = self._custody.session(account)
            assert session is not None
        remaining = int(session.expires - self._deps.clock.now())
        duration = (
            None
            if session.chained
            else min(remaining, self._recorder.incident.request.duration_seconds)
        )
        return self._recorder.effect(
            "federation.signin",
            {"account": account, "session_duration": duration},
            lambda: self._deps.console.console_url(
                session.credentials,
                session_duration=duration,
                logout_first=self._config.session.logout_first,
            ),
            key=f"federation.signin:{account}",
        )

    def open_console(self, account: str) -> None:
        with self._recorder.grouped():  # one fsync less per outcome on the operator's path
            url = self.console_url(account)
            self._recorder.effect(
                "browser.open", {"account": account}, lambda: self._deps.browser.open(url)
            )
            self._recorder.log("console.opened", {"account": account})
            url.wipe()


def _tag(text: str) -> str:
    """Session tag values allow letters, digits, spaces and _.:/=+-@ only."""
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.:/=+-@")
    return "".join(c if c in allowed else "-" for c in text)[:256]
