"""Revoke and rotate: the end of every incident, idempotent and resumable.

Order, and why:
1. revoke role sessions in every target account that the app does not need (in parallel);
2. revoke the IAM user's MFA session (Deny-older-sessions on the user)   → REVOKED;
3. rotate the user's credentials (Lambda or direct), then verify them;
4. check the seed's alarms fired, notify SNS;
5. revoke the service sessions last — the IAM account's very last, since rotation needs it
                                                                         → ROTATED;
then revoke the Vault token. A step already done (journaled outcome ok) is skipped, so a retry
or a relaunch after a crash resumes where it stopped. Revocation entries are held in memory if
the journal cannot be written (docs/architecture.md, "The journal comes first") and flushed
when it can.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from typing import Any

from breakglass_gui.core.aws import revoke
from breakglass_gui.core.aws.errors import classify
from breakglass_gui.core.aws.rotate import DirectRotation, LambdaRotation, verify_user
from breakglass_gui.core.aws.server_time import revocation_cutoff
from breakglass_gui.core.errors import BreakGlassError, ProcedureError
from breakglass_gui.core.incident import State
from breakglass_gui.core.need import Need
from breakglass_gui.core.parts import Parts

log = logging.getLogger(__name__)

Progress = Callable[[str, str, str], None]
MAX_PARALLEL = 16


class Ending:
    def __init__(self, parts: Parts, progress: Progress | None = None) -> None:
        self.parts = parts
        self.recorder = parts.recorder
        self.custody = parts.custody
        self.config = parts.deps.config
        self.progress = progress or (lambda key, status, text: None)
        self.failures: list[tuple[str, str]] = []
        self.user = parts.recorder.incident.vault_user or self.config.vault.default_user
        self.iam_account = self.config.organisation.iam_account_id
        self.service = list(dict.fromkeys(self.config.service_accounts().values()))

    # ----- plan ---------------------------------------------------------------------------

    def targets_only(self) -> list[str]:
        return [a for a in self.recorder.incident.accounts_used() if a not in self.service]

    def service_order(self) -> list[str]:
        """Service accounts to revoke, the IAM account last (rotation needs it to the end)."""
        used = set(self.recorder.incident.accounts_used()) | set(self.service)
        ordered = [a for a in self.service if a != self.iam_account and a in used]
        return [*ordered, self.iam_account]

    def steps(self) -> list[str]:
        """Every step of this ending, in order (the GUI's progress list)."""
        keys = [f"revoke.role:{a}" for a in self.targets_only()]
        keys += [
            f"revoke.user:{self.user}",
            f"rotate:{self.user}",
            f"verify.user:{self.user}",
            "check.alarms",
            "notify.revoked",
        ]
        keys += [f"revoke.role:{a}" for a in self.service_order()]
        return keys

    def pending(self) -> list[str]:
        return [k for k in self.steps() if not self.recorder.incident.done(k)]

    def missing_sessions(self) -> list[str]:
        """Accounts the remaining steps need a session in, and that have none alive (never
        obtained, lost in a crash, or expired during a long incident)."""
        return [a for a in self.accounts_needed() if not self.custody.has_live_session(a)]

    def accounts_needed(self) -> list[str]:
        needed: list[str] = []
        for key in self.pending():
            account = self._account_for(key)
            if account and account not in needed:
                needed.append(account)
        return needed

    def _account_for(self, key: str) -> str | None:
        if key.startswith("revoke.role:"):
            return key.split(":", 1)[1]
        if key.startswith(("revoke.user:", "rotate:", "verify.user:")):
            return self.iam_account
        if key == "check.alarms":
            return self.config.log_account_id
        if key == "notify.revoked":
            return self.config.notifications.account_id
        return None

    def what_is_needed(self) -> Need | None:
        """None if the ending can run now; else VAULT, MFA or CODE (the MFA mode decides)."""
        needs_rotation = any(k.startswith("rotate:") for k in self.pending())
        missing = self.missing_sessions()
        if (needs_rotation or missing) and not self.custody.vault_logged_in:
            return Need.VAULT
        if missing:
            return self.parts.deps.mfa_mode.for_ending(
                has_mfa_session=self.custody.has_mfa_session()
            )
        return None

    # ----- run ----------------------------------------------------------------------------

    def run(self) -> None:
        recorder, custody = self.recorder, self.custody
        if recorder.state is State.ROTATED or recorder.incident.reached(State.REVIEWED):
            return
        recorder.require(State.ENDING, State.REVOKED)
        need = self.what_is_needed()
        if need is Need.VAULT:
            raise ProcedureError(
                "To finish revocation and rotation, unlock Vault again.", code="needs.vault"
            )
        if need is Need.MFA:
            raise ProcedureError(
                "To finish revocation and rotation, enter a new MFA code.", code="needs.mfa"
            )
        if need is Need.CODE:
            missing = self.missing_sessions()
            raise ProcedureError(
                f"Direct MFA mode: a new code is needed for each of {', '.join(missing)}.",
                code="needs.code",
            )
        assume = self.parts.access.assume
        for account in self.missing_sessions():
            custody.forget_session(account)  # an expired one is wiped, not used
            # A session re-issued only to revoke is not a new break-glass session: no
            # "session" notification (the notification account may not have one yet).
            purpose = "target" if account in recorder.incident.accounts else "service"
            self._guard(f"session:{account}", partial(assume, account, purpose, notify=False))

        with ThreadPoolExecutor(max_workers=MAX_PARALLEL) as pool:
            list(pool.map(self._revoke_account, self.targets_only()))
        self._step(f"revoke.user:{self.user}", self._revoke_user)
        if not self.failures and recorder.state is State.ENDING:
            recorder.transition(State.REVOKED)
        self._step(f"rotate:{self.user}", self._rotate)
        self._step(f"verify.user:{self.user}", self._verify_user)
        self._step("check.alarms", self._check_alarms)
        self._step("notify.revoked", self._notify)
        if self.failures:
            self._fail()
        # The last checkpoints go out while the app's own sessions still work.
        self.parts.anchoring.flush()
        for account in self.service_order():
            self._revoke_account(account)
        if self.failures:
            self._fail()
        recorder.transition(State.ROTATED)
        self.parts.vault.release()
        recorder.journal.flush()

    def _fail(self) -> None:
        steps = ", ".join(k for k, _ in self.failures)
        first = self.failures[0][1]
        raise ProcedureError(
            f"{len(self.failures)} step(s) did not complete ({steps}). The incident stays "
            f"{self.recorder.state.value}: retry revoke-and-rotate. First problem: {first}",
            code="ending.incomplete",
        )

    def _guard(self, key: str, fn: Callable[[], Any]) -> bool:
        self.progress(key, "running", "")
        try:
            fn()
        except BreakGlassError as exc:
            self.failures.append((key, exc.message))
            self.progress(key, "failed", exc.message)
            return False
        self.progress(key, "done", "")
        return True

    def _step(self, key: str, fn: Callable[[], dict[str, Any]]) -> bool:
        if self.recorder.incident.done(key):
            self.progress(key, "done", "already done")
            return True
        return self._guard(
            key,
            lambda: self.recorder.effect(
                key.split(":", maxsplit=1)[0],
                {"step": key},
                fn,
                key=key,
                hold=True,
                evidence=lambda e: e,
            ),
        )

    # ----- steps --------------------------------------------------------------------------

    def _now(self) -> float:
        return self.parts.deps.clock.now()

    def _cutoff(self) -> dict[str, Any]:
        """max(local clock, AWS's clock) + a margin (core/aws/server_time.py)."""
        return revocation_cutoff(self._now(), self.parts.deps.aws.server_time)

    def _revoke_account(self, account: str) -> None:
        key = f"revoke.role:{account}"

        def run() -> dict[str, Any]:
            iam = self.custody.client("iam", account)
            basis = self._cutoff()
            cutoff = float(basis["cutoff"])
            done = revoke.revoke_role_sessions(iam, self.config.role.name, cutoff)
            done["check"] = revoke.verify_role_revocation(iam, self.config.role.name, cutoff)
            done["account"] = account
            done["cutoff_basis"] = basis
            return _read_back_or_refuse(done, f"The revocation policy in {account}")

        if self._step(key, run):
            self.custody.forget_session(account)

    def _revoke_user(self) -> dict[str, Any]:
        iam = self.custody.client("iam", self.iam_account)
        basis = self._cutoff()
        cutoff = float(basis["cutoff"])
        done = revoke.revoke_user_sessions(iam, self.user, cutoff)
        done["check"] = revoke.verify_user_revocation(iam, self.user, cutoff)
        done["cutoff_basis"] = basis
        return _read_back_or_refuse(done, f"The revocation policy on {self.user}")

    def _rotate(self) -> dict[str, Any]:
        custody, recorder, access = self.custody, self.recorder, self.parts.access
        iam = custody.client("iam", self.iam_account)
        clock = self.parts.deps.clock
        function = self.config.rotation.lambda_function
        if function:
            region = function.split(":")[3] if function.startswith("arn:") else None
            lam = custody.client(
                "lambda",
                self.iam_account,
                region,
                read_timeout=self.config.rotation.lambda_timeout_seconds + 10,
                retries=False,
            )
            operator = self.config.operator(recorder.incident.request.operator)
            return LambdaRotation(
                lam,
                function,
                iam,
                custody.vault,
                self.iam_account,
                recorder.effect,
                access.key_works,
                clock,
                email=operator.email if operator else "",
            ).run(self.user, recorder.id)
        return DirectRotation(iam, custody.vault, access.key_works, clock, recorder.effect).run(
            self.user, recorder.id
        )

    def _verify_user(self) -> dict[str, Any]:
        record = self.parts.vault.read_record(self.user, why="verify")
        expected = record.access_key_id
        record.wipe()
        evidence = verify_user(self.custody.client("iam", self.iam_account), self.user, expected)
        if not evidence["verified"]:
            raise ProcedureError(
                f"After rotation, {self.user} has active keys {evidence['active_keys']} (Vault "
                f"holds {expected}) and login profile = {evidence['login_profile']}.",
                code="ending.verify",
            )
        return evidence

    def _check_alarms(self) -> dict[str, Any]:
        """Did the seed's alarms fire for this incident? If not, that is a review finding."""
        declared = _parse(self.recorder.incident.declared_at) or self._now() - 3600
        client = self.custody.client(
            "cloudwatch", self.config.log_account_id, self.config.log_region
        )
        fired: dict[str, bool] = {}
        for name in self.config.monitoring.alarm_names:
            try:
                history = client.describe_alarm_history(
                    AlarmName=name,
                    HistoryItemType="StateUpdate",
                    StartDate=datetime.fromtimestamp(declared, tz=UTC),
                    EndDate=datetime.fromtimestamp(self._now() + 60, tz=UTC),
                    MaxRecords=100,
                )
            except Exception as exc:
                return {"checked": False, "error": classify(exc).message, "all_fired": False}
            fired[name] = any(
                "to ALARM" in str(item.get("HistorySummary", ""))
                for item in history.get("AlarmHistoryItems", [])
            )
        return {
            "checked": True,
            "alarms": fired,
            "all_fired": all(fired.values()) if fired else False,
        }

    def _notify(self) -> dict[str, Any]:
        records = self.parts.announcer.announce(
            "revoked", f"Break glass revoked and rotated: {self.recorder.id}"
        )
        return {
            "sent": all(r["sent"] for r in records),
            "attempts": max((r["attempts"] for r in records), default=0),
            "channels": {r["channel"]: r["sent"] for r in records},
        }


def _parse(stamp: str) -> float | None:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _read_back_or_refuse(done: dict[str, Any], what: str) -> dict[str, Any]:
    """A revocation counts only once its policy has read back: an unverified step
    fails, is journaled as failed and stays to be retried."""
    if not done["check"]["verified"]:
        raise ProcedureError(
            f"{what} did not read back: {done['check']['how']}.", code="ending.verify"
        )
    return done
