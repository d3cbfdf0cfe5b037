"""Secret custody: every secret an incident holds, in memory only, and nowhere else.

The Vault token (inside the gateway), the break-glass record read from Vault (the IAM user's
keys and console password), the MFA session and the role sessions. Secrets are wiped as soon as
they are no longer needed and all of them when the incident stops; after a crash they are
simply gone, and recovery asks for them again (docs/security-model.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from breakglass_gui.core.aws.clients import AwsCredentials, ClientFactory
from breakglass_gui.core.aws.sts import RoleSession, require_unexpired
from breakglass_gui.core.clock import Clock
from breakglass_gui.core.errors import ProcedureError
from breakglass_gui.core.vault import BreakGlassRecord, VaultGateway

# Seconds a session must still have to be used for a call: a revoke-and-rotate of many
# accounts takes well under a minute (docs/architecture.md, performance), twice that is kept in
# hand.
SESSION_MARGIN = 120.0


class Custody:
    def __init__(
        self,
        vault: Callable[[], VaultGateway],
        aws: ClientFactory,
        region: str,
        clock: Clock,
    ) -> None:
        self._vault_factory = vault
        self._vault: VaultGateway | None = None
        self._record: BreakGlassRecord | None = None
        self._mfa: AwsCredentials | None = None
        self._sessions: dict[str, RoleSession] = {}
        self._aws = aws
        self._region = region
        self._clock = clock

    # ----- Vault --------------------------------------------------------------------------

    @property
    def vault(self) -> VaultGateway:
        """The gateway, made on first use (a client costs a TLS context)."""
        if self._vault is None:
            self._vault = self._vault_factory()
        return self._vault

    @property
    def vault_logged_in(self) -> bool:
        """Whether a Vault token is held, without creating a client to find out."""
        return self._vault is not None and self._vault.logged_in

    @property
    def vault_accessor(self) -> str:
        """The held token's accessor ("" when none is held)."""
        return self._vault.accessor if self.vault_logged_in and self._vault else ""

    def vault_request_ids(self) -> Sequence[str]:
        return self._vault.request_ids if self._vault is not None else ()

    def renewal_due(self) -> bool:
        return self._vault is not None and self._vault.renewal_due()

    # ----- the break-glass record -----------------------------------------------------------

    def keep_record(self, record: BreakGlassRecord) -> None:
        self.forget_record()
        self._record = record

    @property
    def has_record(self) -> bool:
        return self._record is not None

    def record_public(self) -> dict[str, Any] | None:
        """What the pages may show of the record: user name and MFA serial, no secret."""
        return self._record.public() if self._record is not None else None

    @property
    def mfa_serial(self) -> str | None:
        return self._record.mfa_serial if self._record is not None else None

    def user_credentials(self) -> AwsCredentials:
        if self._record is None or self._record.secret_access_key.wiped:
            raise ProcedureError(
                "Unlock Vault first: the break-glass credentials are needed.", code="needs.vault"
            )
        return AwsCredentials(self._record.access_key_id, self._record.secret_access_key)

    def forget_record(self) -> None:
        if self._record is not None:
            self._record.wipe()
            self._record = None

    # ----- the MFA session ------------------------------------------------------------------

    def keep_mfa(self, credentials: AwsCredentials) -> None:
        self.forget_mfa()
        self._mfa = credentials

    def mfa_session(self) -> AwsCredentials:
        """The MFA session to chain role sessions on; refuses a missing or expired one."""
        return require_unexpired(self._mfa, self._clock.now(), "MFA session")

    def has_mfa_session(self) -> bool:
        """An MFA session that is held and still has time to chain a role session."""
        mfa = self._mfa
        if mfa is None or not mfa.usable:
            return False
        return mfa.expiration is None or mfa.expiration > self._clock.now() + SESSION_MARGIN

    def forget_mfa(self) -> None:
        if self._mfa is not None:
            self._mfa.wipe()
            self._mfa = None

    # ----- role sessions --------------------------------------------------------------------

    @property
    def sessions(self) -> dict[str, RoleSession]:
        """A copy: account → its role session."""
        return dict(self._sessions)

    def session(self, account: str) -> RoleSession | None:
        return self._sessions.get(account)

    def keep_session(self, session: RoleSession) -> None:
        self.forget_session(session.account)
        self._sessions[session.account] = session

    def has_live_session(self, account: str) -> bool:
        """A role session in `account` that will not expire in the middle of a call: a long
        incident outlives every session, and the ending must not use a dead one (AWS answers
        ExpiredToken)."""
        session = self._sessions.get(account)
        if session is None or not session.credentials.usable:
            return False
        return session.expires > self._clock.now() + SESSION_MARGIN

    def forget_session(self, account: str) -> None:
        session = self._sessions.pop(account, None)
        if session is not None:
            session.credentials.wipe()

    def client(self, service: str, account: str, region: str | None = None, **kwargs: Any) -> Any:
        """A client in `account` with its role session's credentials."""
        session = self._sessions.get(account)
        if session is None:
            raise ProcedureError(f"There is no session in account {account}.", code="needs.session")
        return self._aws.client(service, session.credentials, region or self._region, **kwargs)

    # ----- the end --------------------------------------------------------------------------

    def drop_all(self) -> None:
        """Wipe every secret held (the Vault token is revoked by the caller first), and the
        AWS clients built with them (core/aws/clients.py keeps clients)."""
        self.forget_record()
        self.forget_mfa()
        for account in list(self._sessions):
            self.forget_session(account)
        self._aws.forget_clients()
