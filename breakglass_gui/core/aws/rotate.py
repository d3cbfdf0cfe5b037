"""Rotating the break-glass user's credentials after every use (docs/rules.md §4.3, seed).

The guarantee: at every instant the user has at least one working credential that is stored
in Vault. Hence the order of the direct path — create the new key, prove it works, write it
and the new password to Vault (check-and-set on the version read), apply the password, and only
then deactivate and delete the old key. A retry after any failure reconciles from what Vault
and IAM say now (the record carries `rotated_for` = the incident that wrote it).
"""

from __future__ import annotations

import json
import logging
import secrets
import string
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any, Protocol, TypeVar

from breakglass_gui.core.aws.clients import AwsCredentials
from breakglass_gui.core.aws.errors import classify
from breakglass_gui.core.clock import Clock
from breakglass_gui.core.errors import AwsError
from breakglass_gui.core.secret import Secret
from breakglass_gui.core.vault import BreakGlassRecord

log = logging.getLogger(__name__)
T = TypeVar("T")

PASSWORD_SYMBOLS = "!@#$%^&*()_+-=[]{}|"  # noqa: S105 - the symbols IAM accepts, not a password
KEY_PROPAGATION_ATTEMPTS = 8
KEY_PROPAGATION_WAIT = 2.0


class RunEffect(Protocol):
    """Runs one side effect between a journaled intent and a journaled outcome."""

    def __call__(self, name: str, details: dict[str, Any], fn: Callable[[], T]) -> T: ...


class RecordStore(Protocol):
    def read_record(self, user: str) -> BreakGlassRecord: ...

    def write_record(self, record: BreakGlassRecord, cas: int) -> int: ...


def generate_password(length: int = 32) -> Secret:
    """Random, and compliant with any IAM password policy (all four classes, IAM's symbols)."""
    alphabet = string.ascii_letters + string.digits + PASSWORD_SYMBOLS
    classes = (string.ascii_uppercase, string.ascii_lowercase, string.digits, PASSWORD_SYMBOLS)
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(c in cls for c in candidate) for cls in classes):
            return Secret(candidate)


def _aws(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except AwsError:
        raise
    except Exception as exc:
        raise classify(exc) from None


def access_keys(iam: Any, user: str) -> dict[str, str]:
    response = _aws(lambda: iam.list_access_keys(UserName=user))
    return {k["AccessKeyId"]: k["Status"] for k in response["AccessKeyMetadata"]}


class DirectRotation:
    def __init__(
        self,
        iam: Any,
        vault: RecordStore,
        key_works: Callable[[AwsCredentials], str],
        clock: Clock,
        effect: RunEffect,
    ) -> None:
        self._iam = iam
        self._vault = vault
        self._key_works = key_works
        self._clock = clock
        self._effect = effect

    def run(self, user: str, incident_id: str) -> dict[str, Any]:
        record = self._effect(
            "vault.read_record", {"user": user}, lambda: self._vault.read_record(user)
        )
        held = [record]  # every record's secrets are wiped on the way out, failure or not
        try:
            return self._rotate(user, incident_id, record, held)
        finally:
            for each in held:
                each.wipe()

    def _rotate(
        self, user: str, incident_id: str, record: BreakGlassRecord, held: list[BreakGlassRecord]
    ) -> dict[str, Any]:
        keys = access_keys(self._iam, user)
        if record.rotated_for != incident_id:
            if record.access_key_id not in keys:
                raise AwsError(
                    f"The access key stored in Vault for {user} is not on the IAM user. "
                    "Nothing was changed; repair the record (or use the rotation Lambda) "
                    "before retrying.",
                    code="rotate.vault_key_missing",
                )
            for orphan in [k for k in keys if k != record.access_key_id]:
                # A key not in Vault was never usable through the procedure: an earlier attempt's.
                self._effect(
                    "iam.delete_access_key",
                    {"user": user, "key": orphan, "why": "orphan"},
                    partial(self._delete_key, user, orphan),
                )
            record = self._store_new_credentials(user, incident_id, record)
            held.append(record)
        self._effect(
            "iam.update_login_profile",
            {"user": user},
            lambda: self._apply_password(user, record.console_password),
        )
        for old in [k for k in access_keys(self._iam, user) if k != record.access_key_id]:
            self._effect(
                "iam.deactivate_access_key",
                {"user": user, "key": old},
                partial(self._deactivate_key, user, old),
            )
            self._effect(
                "iam.delete_access_key",
                {"user": user, "key": old, "why": "rotated"},
                partial(self._delete_key, user, old),
            )
        return {
            "path": "direct",
            "user": user,
            "new_access_key_id": record.access_key_id,
            "vault_version": record.version,
        }

    def _delete_key(self, user: str, key: str) -> Any:
        return _aws(lambda: self._iam.delete_access_key(UserName=user, AccessKeyId=key))

    def _deactivate_key(self, user: str, key: str) -> Any:
        return _aws(
            lambda: self._iam.update_access_key(UserName=user, AccessKeyId=key, Status="Inactive")
        )

    def _store_new_credentials(
        self, user: str, incident_id: str, record: BreakGlassRecord
    ) -> BreakGlassRecord:
        created = self._effect(
            "iam.create_access_key",
            {"user": user},
            lambda: _aws(lambda: self._iam.create_access_key(UserName=user)),
        )
        key = created["AccessKey"]
        credentials = AwsCredentials(str(key["AccessKeyId"]), Secret(str(key["SecretAccessKey"])))
        del created, key
        try:
            self._effect(
                "sts.test_new_key",
                {"key": credentials.access_key_id},
                lambda: self._prove(credentials),
            )
        except Exception:
            self._discard(user, credentials, "does not work")  # Vault was never asked
            raise
        new_record = replace(
            record,
            access_key_id=credentials.access_key_id,
            secret_access_key=credentials.secret_access_key,
            console_password=generate_password(),
            rotated_for=incident_id,
        )
        try:
            version = self._effect(
                "vault.write_record",
                {"user": user, "cas": record.version, "access_key_id": credentials.access_key_id},
                lambda: self._vault.write_record(new_record, cas=record.version),
            )
        except Exception:
            # A write whose answer was lost may have been applied: Vault may hold the new key
            # now. Deleting it then would leave Vault with a key IAM no longer has — no working
            # credential for the next emergency (found by tests/core/test_fault_schedules.py).
            # So Vault is asked: the key goes only when Vault says it does not hold it.
            held = self._stored_version(user, credentials.access_key_id)
            if held is not None:
                return replace(new_record, version=held)
            credentials.secret_access_key.wipe()
            raise
        return replace(new_record, version=version)

    def _stored_version(self, user: str, key_id: str) -> int | None:
        """After a failed write: Vault's version if it holds `key_id` (the write was applied),
        else None. Vault not answering: unknown, the key is kept (an extra key that Vault does
        not name is removed by the next attempt as an orphan, `_rotate`)."""
        try:
            current = self._effect(
                "vault.read_record",
                {"user": user, "why": "did the failed write reach Vault?"},
                lambda: self._vault.read_record(user),
            )
        except Exception:
            log.warning("Vault unreadable after a failed write; key %s kept for now", key_id)
            return None
        try:
            if current.access_key_id == key_id:
                return current.version
        finally:
            current.wipe()
        self._discard_id(user, key_id, "not stored")
        return None

    def _discard(self, user: str, credentials: AwsCredentials, why: str) -> None:
        credentials.secret_access_key.wipe()
        self._discard_id(user, credentials.access_key_id, why)

    def _discard_id(self, user: str, key_id: str, why: str) -> None:
        """Remove a new key that Vault does not hold, so the next attempt starts clean."""
        try:
            self._effect(
                "iam.delete_access_key",
                {"user": user, "key": key_id, "why": why},
                lambda: _aws(
                    lambda: self._iam.delete_access_key(UserName=user, AccessKeyId=key_id)
                ),
            )
        except Exception:
            log.warning("could not delete unstored key %s", key_id)

    def _prove(self, credentials: AwsCredentials) -> str:
        return prove_key(self._key_works, self._clock, credentials)

    def _apply_password(self, user: str, password: Secret) -> dict[str, str]:
        try:
            self._iam.update_login_profile(
                UserName=user, Password=password.reveal(), PasswordResetRequired=False
            )
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code != "NoSuchEntity":
                raise classify(exc) from None
            _aws(
                lambda: self._iam.create_login_profile(
                    UserName=user, Password=password.reveal(), PasswordResetRequired=False
                )
            )
        return {"user": user}


def prove_key(
    key_works: Callable[[AwsCredentials], str], clock: Clock, credentials: AwsCredentials
) -> str:
    """New keys take a few seconds to work everywhere in IAM: retry GetCallerIdentity."""
    last: AwsError | None = None
    for _ in range(KEY_PROPAGATION_ATTEMPTS):
        try:
            return key_works(credentials)
        except AwsError as exc:
            if exc.code not in ("aws.invalid_keys", "aws.access_denied"):
                raise
            last = exc
            clock.sleep(KEY_PROPAGATION_WAIT)
    assert last is not None
    raise last


class LambdaRotation:
    """The seed's rotation Lambda, invoked by hand with the payload of aws-samples' IAM
    access-key rotation (`account`, `name`, `email`, `ForceRotate`); its word is not taken:
    afterwards the app checks for itself that the Vault record changed, that the new key is
    active and answers GetCallerIdentity, and that the old key is gone."""

    def __init__(
        self,
        lam: Any,
        function: str,
        iam: Any,
        vault: RecordStore,
        account: str,
        effect: RunEffect,
        key_works: Callable[[AwsCredentials], str],
        clock: Clock,
        email: str = "",
    ) -> None:
        self._lambda = lam
        self._clock = clock
        self._function = function
        self._iam = iam
        self._vault = vault
        self._account = account
        self._effect = effect
        self._key_works = key_works
        self._email = email

    def run(self, user: str, incident_id: str) -> dict[str, Any]:
        before = self._effect(
            "vault.read_record", {"user": user}, lambda: self._vault.read_record(user)
        )
        before_key = before.access_key_id
        before.wipe()
        if before.rotated_for != incident_id:
            payload = {
                "account": self._account,
                "name": user,
                "email": self._email,
                "ForceRotate": user,
            }
            result = self._effect(
                "lambda.invoke",
                {"function": self._function, "payload": payload},
                lambda: self._invoke(payload),
            )
        else:
            result = {"status": "already rotated for this incident"}
        after = self._effect(
            "vault.read_record",
            {"user": user, "after": "lambda"},
            lambda: self._vault.read_record(user),
        )
        after_key, after_version = after.access_key_id, after.version
        try:
            self._check_outcome(user, incident_id, before, after)
            self._effect(
                "sts.get_caller_identity",
                {"user": user, "access_key_id": after_key, "after": "lambda"},
                lambda: self._new_key_answers(after),
            )
        finally:
            after.wipe()
        return {
            "path": "lambda",
            "function": self._function,
            "user": user,
            "old_access_key_id": before_key,
            "new_access_key_id": after_key,
            "vault_version": after_version,
            # Only a short status: the Lambda's answer is not ours to trust with secrets.
            "lambda_status": str(result.get("status", result.get("statusCode", "ok")))[:64],
        }

    def _check_outcome(
        self, user: str, incident_id: str, before: BreakGlassRecord, after: BreakGlassRecord
    ) -> None:
        """What IAM and Vault say after the Lambda ran: a new record, its key active, the old
        key gone (the proof that the new key works comes after)."""
        if after.version <= before.version and before.rotated_for != incident_id:
            raise AwsError(
                "The rotation Lambda reported success but the Vault record did not change; the "
                "credentials are NOT rotated. Check the Lambda's logs, then retry.",
                code="rotate.lambda_no_change",
            )
        keys = access_keys(self._iam, user)
        if keys.get(after.access_key_id) != "Active":
            raise AwsError(
                "After the rotation Lambda ran, the key in Vault is not an active key of the user. "
                "Check the Lambda's logs, then retry.",
                code="rotate.lambda_key_inactive",
            )
        old = before.access_key_id
        if old != after.access_key_id and old in keys:
            raise AwsError(
                f"After the rotation Lambda ran, the old access key {old} still exists "
                f"({keys[old]}); whoever read it may still use it. Delete it, then retry.",
                code="rotate.lambda_old_key_left",
            )

    def _new_key_answers(self, record: BreakGlassRecord) -> str:
        credentials = AwsCredentials(
            record.access_key_id, Secret(record.secret_access_key.reveal())
        )
        try:
            return prove_key(self._key_works, self._clock, credentials)
        except AwsError as exc:
            raise AwsError(
                "The access key the rotation Lambda stored in Vault does not work "
                f"({exc.message}). Check the Lambda's logs, then retry.",
                code="rotate.lambda_key_fails",
            ) from None
        finally:
            credentials.wipe()

    def _invoke(self, payload: dict[str, Any]) -> dict[str, Any]:
        from botocore.exceptions import ReadTimeoutError

        try:
            response = self._lambda.invoke(
                FunctionName=self._function,
                InvocationType="RequestResponse",
                Payload=json.dumps(payload).encode(),
            )
        except ReadTimeoutError:
            raise AwsError(
                "The rotation Lambda did not answer in time. It may still be running: wait a "
                "minute, then retry (the retry checks Vault first).",
                code="rotate.lambda_timeout",
            ) from None
        except Exception as exc:
            raise classify(exc) from None
        body = response["Payload"].read() if hasattr(response.get("Payload"), "read") else b""
        try:
            parsed = json.loads(body)
        except ValueError:  # empty or not JSON: nothing in it is used (nor kept: not ours)
            parsed = {}
        if response.get("FunctionError") or int(response.get("StatusCode", 0)) >= 300:
            detail = parsed.get("errorMessage", "") if isinstance(parsed, dict) else ""
            raise AwsError(
                f"The rotation Lambda failed: {str(detail)[:300] or 'no detail'}. The "
                "old credentials are still in Vault; retry.",
                code="rotate.lambda_error",
            )
        return parsed if isinstance(parsed, dict) else {"result": parsed}


def verify_user(iam: Any, user: str, expected_key: str) -> dict[str, Any]:
    """§4.4: exactly the Vault key is active, and a console password exists."""
    keys = access_keys(iam, user)
    try:
        iam.get_login_profile(UserName=user)
        login_profile = True
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        if code != "NoSuchEntity":
            raise classify(exc) from None
        login_profile = False
    active = sorted(k for k, status in keys.items() if status == "Active")
    return {
        "user": user,
        "active_keys": active,
        "login_profile": login_profile,
        "verified": active == [expected_key] and login_profile,
    }
