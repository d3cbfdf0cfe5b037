"""The Vault steps of an incident: health, unseal, login and the record, the token's life.

A token is never left to lapse unseen: before a new login the held one is revoked, one this
run already lost is journaled as lapsed, and one a crash left behind (its accessor is
journaled) is revoked by accessor where the policy allows (docs/security-model.md, "The Vault
token").
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from breakglass_gui.core.config import Config
from breakglass_gui.core.custody import Custody
from breakglass_gui.core.errors import BreakGlassError, ProcedureError, VaultError
from breakglass_gui.core.incident import State
from breakglass_gui.core.recorder import Recorder
from breakglass_gui.core.secret import Secret
from breakglass_gui.core.vault import BreakGlassRecord, SealStatus, VaultHealth

log = logging.getLogger(__name__)


class VaultSteps:
    def __init__(self, recorder: Recorder, custody: Custody, config: Config) -> None:
        self._recorder = recorder
        self._custody = custody
        self._config = config

    def health(self) -> VaultHealth:
        health = self._custody.vault.health()
        server = {"version": health.version, "cluster_name": health.cluster_name}
        if server != self._recorder.incident.vault_server:  # once per server, for the review
            self._recorder.log("vault.server", server)
        return health

    def seal_status(self) -> SealStatus:
        return self._custody.vault.seal_status()

    def submit_unseal_share(self, share: Secret, holder: str) -> SealStatus:
        """One key share from one holder; journaled by holder and progress, never by value."""
        status = self._recorder.effect(
            "vault.unseal_share",
            {"holder": holder},
            lambda: self._custody.vault.submit_unseal_share(share),
            evidence=lambda s: {"progress": s.progress, "sealed": s.sealed},
        )
        self._recorder.log(
            "vault.unseal_progress",
            {"progress": status.progress, "threshold": status.threshold, "sealed": status.sealed},
        )
        return status

    def unlock(self, credential: Secret, user: str | None = None) -> dict[str, Any]:
        """Log in and read the break-glass record. Also used again during recovery."""
        recorder, incident = self._recorder, self._recorder.incident
        if recorder.state is State.DECLARED or incident.finished:
            recorder.require(State.APPROVED)
        user = user or incident.vault_user or self._config.vault.default_user
        if user not in self._config.vault.users:
            raise ProcedureError(
                f'"{user}" is not one of the configured break-glass users.', field="user"
            )
        recorder.require_signed_request()  # before a token is even asked for
        self._settle_previous_tokens()
        vault = self._custody.vault
        operator = self._config.operator(incident.request.operator)
        claimed = operator.vault_identity if operator else ""
        facts = recorder.effect(
            "vault.login",
            {"method": self._config.vault.auth_method},
            lambda: vault.login(credential, claimed or None),
            evidence=lambda facts: facts,
        )
        self._prove_operator(claimed, facts)
        if not recorder.incident.vault_server:  # which server answered, for the review
            with contextlib.suppress(VaultError):
                self.health()
        self._revoke_orphaned_tokens()
        record = self.read_record(user)
        self._custody.keep_record(record)
        recorder.log("vault.record_read", {**record.public()})
        if recorder.state is State.APPROVED:
            recorder.transition(State.VAULT_UNLOCKED, user=user)
        return record.public()

    def _prove_operator(self, claimed: str, facts: dict[str, Any]) -> None:
        """The operator is who Vault says logged in (issue 18, item 4): the roster binds each
        operator to their own Vault identity; a login that proves someone else stops here."""
        recorder = self._recorder
        operator = recorder.incident.request.operator
        if not claimed:
            if not recorder.incident.operator_proof:
                recorder.log(
                    "operator.unproven",
                    {"operator": operator, "why": "the roster names no vault_identity"},
                )
            return
        proven = str(facts.get("identity", ""))
        if proven != claimed:
            recorder.log(
                "operator.refused",
                {"operator": operator, "claimed": claimed, "vault_says": proven},
            )
            self.revoke_held(before="refusal")
            raise ProcedureError(
                f"Vault says this login is {proven or 'nobody in particular'}, not "
                f"{claimed} ({operator}'s own Vault identity): the operator must log in as "
                "themselves.",
                code="operator.unproven",
                field="credential",
            )
        if recorder.incident.operator_proof.get("vault_identity") != proven:
            recorder.log(
                "operator.proven",
                {
                    "operator": operator,
                    "vault_identity": proven,
                    "entity_id": str(facts.get("entity_id", "")),
                },
            )

    def read_record(self, user: str, **details: Any) -> BreakGlassRecord:
        self._recorder.require_signed_request()
        return self._recorder.effect(
            "vault.read_record",
            {"user": user, **details},
            lambda: self._custody.vault.read_record(user),
        )

    def _settle_previous_tokens(self) -> None:
        """Before a new login: a token still held is revoked (never left to lapse unseen), and
        one this run already lost (Vault said it expired) is journaled as lapsed, so only
        tokens a crash really left behind are ever called orphaned."""
        held = self._custody.vault_accessor
        if held:
            self.revoke_held(before="login")
        for accessor in list(self._recorder.incident.live_tokens):
            if accessor != held:
                self._recorder.log("vault.token_lapsed", {"accessor": accessor})

    def keep_alive(self) -> None:
        """Renew the Vault token once half its TTL has passed, while the incident holds one
        (called with every activity poll; a token that cannot be renewed any more simply
        lapses and the ending asks for a new login)."""
        if not self._custody.renewal_due():
            return
        try:
            self._recorder.effect(
                "vault.renew_token",
                {},
                self._custody.vault.renew_token,
                evidence=lambda facts: facts,
            )
        except BreakGlassError as exc:
            log.warning("Vault token not renewed: %s", exc.message)

    def _revoke_orphaned_tokens(self) -> None:
        """Tokens a crash left behind (their accessors are journaled): revoke each by accessor
        where the policy allows; otherwise the journal keeps the time each one lapses."""
        for accessor, token in list(self._recorder.incident.orphaned_tokens.items()):
            if token.get("revoke_tried"):
                continue
            try:
                self._recorder.effect(
                    "vault.revoke_accessor",
                    {"accessor": accessor, "lapses_at": token.get("expires_at", "")},
                    _revoker(self._custody, accessor),
                    key=f"vault.revoke_accessor:{accessor}",
                    evidence=lambda _, a=accessor: {"accessor": a},  # type: ignore[misc]
                )
            except BreakGlassError as exc:
                log.info("orphaned Vault token %s not revoked: %s", accessor, exc.message)

    def revoke_held(self, *, hold: bool = False, **details: Any) -> None:
        """Revoke the token held, if any (journaled with its accessor)."""
        if not self._custody.vault_logged_in:
            return
        accessor = self._custody.vault_accessor
        self._recorder.effect(
            "vault.revoke_token",
            details,
            self._custody.vault.revoke_token,
            hold=hold,
            evidence=lambda revoked: {"revoked": revoked, "accessor": accessor},
        )

    def release(self) -> None:
        """Drop every secret; revoke the Vault token if one is held (also on app quit)."""
        try:
            self.revoke_held(hold=True)
        except BreakGlassError as exc:
            log.warning("Vault token not revoked: %s", exc.message)
        self._custody.drop_all()


def _revoker(custody: Custody, accessor: str) -> Callable[[], None]:
    return lambda: custody.vault.revoke_accessor(accessor)
