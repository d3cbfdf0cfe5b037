"""The rotation's safety rules driven one by one on small fakes of IAM, Vault and Lambda
(docs/rules.md §4.3, §4.4): every refusal, every ordering, every read-back.
tests/core/test_rotation.py runs the same code end to end against moto; this file is where each
rule has a test that fails without it."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from breakglass_gui.core.aws import rotate
from breakglass_gui.core.aws.clients import AwsCredentials
from breakglass_gui.core.errors import AwsError
from breakglass_gui.core.secret import Secret
from breakglass_gui.core.vault import BreakGlassRecord
from tests.fakes.clock import ManualClock

# Every AKIA… id below is invented for the fakes: 20 characters like a real one, never sent
# anywhere and never written by the app.
USER = "break-glass-user"
INCIDENT = "BG-20300101-ABCD"


def _client_error(code: str, operation: str = "Op") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


class FakeIam:
    def __init__(self, keys: dict[str, str], login_profile: bool = True) -> None:
        self.keys = dict(keys)
        self.login_profile = login_profile
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail: dict[str, Exception] = {}
        self.created = 0

    def _call(self, name: str, kwargs: dict[str, Any]) -> None:
        self.calls.append((name, kwargs))
        if name in self.fail:
            raise self.fail.pop(name)

    def list_access_keys(self, **kw: Any) -> dict[str, Any]:
        self._call("list_access_keys", kw)
        meta = [{"AccessKeyId": k, "Status": s} for k, s in self.keys.items()]
        return {"AccessKeyMetadata": meta}

    def create_access_key(self, **kw: Any) -> dict[str, Any]:
        self._call("create_access_key", kw)
        self.created += 1
        key = f"AKIANEW{self.created:013d}"
        self.keys[key] = "Active"
        return {"AccessKey": {"AccessKeyId": key, "SecretAccessKey": f"secret-{key}"}}

    def update_access_key(self, **kw: Any) -> None:
        self._call("update_access_key", kw)
        self.keys[kw["AccessKeyId"]] = kw["Status"]

    def delete_access_key(self, **kw: Any) -> None:
        self._call("delete_access_key", kw)
        del self.keys[kw["AccessKeyId"]]

    def update_login_profile(self, **kw: Any) -> None:
        self._call("update_login_profile", kw)
        if not self.login_profile:
            raise _client_error("NoSuchEntity", "UpdateLoginProfile")

    def create_login_profile(self, **kw: Any) -> None:
        self._call("create_login_profile", kw)
        self.login_profile = True

    def get_login_profile(self, **kw: Any) -> dict[str, Any]:
        self._call("get_login_profile", kw)
        if not self.login_profile:
            raise _client_error("NoSuchEntity", "GetLoginProfile")
        return {"LoginProfile": {"UserName": kw["UserName"]}}

    def names(self) -> list[str]:
        return [name for name, _ in self.calls if name not in ("list_access_keys",)]


def _record(key: str = "AKIAOLD0000000000001", version: int = 3, rotated_for: str = "") -> Any:
    return BreakGlassRecord(
        username=USER,
        account_id="123456789012",
        mfa_serial=f"arn:aws:iam::123456789012:mfa/{USER}",
        access_key_id=key,
        secret_access_key=Secret("old-secret"),
        console_password=Secret("old-password"),
        version=version,
        rotated_for=rotated_for,
    )


class FakeVault:
    def __init__(self, record: BreakGlassRecord) -> None:
        self.record = record
        self.written: list[tuple[BreakGlassRecord, int]] = []
        self.given: list[BreakGlassRecord] = []
        self.fail_write: Exception | None = None

    def read_record(self, user: str) -> BreakGlassRecord:
        assert user == USER
        copy = replace(
            self.record,
            secret_access_key=Secret(self.record.secret_access_key.reveal()),
            console_password=Secret(self.record.console_password.reveal()),
        )
        self.given.append(copy)
        return copy

    def write_record(self, record: BreakGlassRecord, cas: int) -> int:
        if self.fail_write is not None:
            raise self.fail_write
        assert cas == self.record.version, "check-and-set on the version read"
        self.written.append((record, cas))
        self.record = replace(
            record,
            secret_access_key=Secret(record.secret_access_key.reveal()),
            console_password=Secret(record.console_password.reveal()),
            version=cas + 1,
        )
        return cas + 1


class Effects:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.details: list[dict[str, Any]] = []

    def __call__(self, name: str, details: dict[str, Any], fn: Callable[[], Any]) -> Any:
        self.names.append(name)
        self.details.append(details)
        return fn()


def _direct(
    iam: FakeIam, vault: FakeVault, key_works: Callable[[AwsCredentials], str] | None = None
) -> tuple[rotate.DirectRotation, Effects, ManualClock]:
    effects, clock = Effects(), ManualClock()
    works = key_works or (lambda credentials: f"arn:aws:iam::123456789012:user/{USER}")
    return rotate.DirectRotation(iam, vault, works, clock, effects), effects, clock


def test_the_direct_path_stores_the_new_key_before_anything_old_is_touched() -> None:
    iam = FakeIam({"AKIAOLD0000000000001": "Active"})
    vault = FakeVault(_record())
    rotation, effects, _ = _direct(iam, vault)
    evidence = rotation.run(USER, INCIDENT)
    assert effects.names == [
        "vault.read_record",
        "iam.create_access_key",
        "sts.test_new_key",
        "vault.write_record",
        "iam.update_login_profile",
        "iam.deactivate_access_key",
        "iam.delete_access_key",
    ]
    new = "AKIANEW0000000000001"
    assert iam.keys == {new: "Active"}
    assert evidence == {"path": "direct", "user": USER, "new_access_key_id": new,
                        "vault_version": 4}  # fmt: skip
    stored = vault.record
    assert (stored.access_key_id, stored.rotated_for, stored.version) == (new, INCIDENT, 4)
    assert stored.secret_access_key.reveal() == f"secret-{new}"
    password = stored.console_password.reveal()
    assert password != "old-password" and len(password) == 32
    update = dict(iam.calls)["update_login_profile"]
    assert update == {"UserName": USER, "Password": password, "PasswordResetRequired": False}
    assert effects.details[-2] == {"user": USER, "key": "AKIAOLD0000000000001"}
    assert effects.details[-1]["why"] == "rotated"
    assert all(r.secret_access_key.wiped for r in vault.given)  # nothing kept in memory
    written, _ = vault.written[0]
    assert written.secret_access_key.wiped and written.console_password.wiped


def test_a_vault_key_that_is_not_on_the_user_stops_before_any_change() -> None:
    iam = FakeIam({"AKIASOMETHINGELSE001": "Active"})
    rotation, effects, _ = _direct(iam, FakeVault(_record()))
    with pytest.raises(AwsError) as raised:
        rotation.run(USER, INCIDENT)
    assert raised.value.code == "rotate.vault_key_missing"
    assert effects.names == ["vault.read_record"]
    assert iam.names() == []
    assert iam.keys == {"AKIASOMETHINGELSE001": "Active"}


def test_a_key_left_by_an_earlier_attempt_is_deleted_as_an_orphan_first() -> None:
    iam = FakeIam({"AKIAOLD0000000000001": "Active", "AKIAORPHAN0000000001": "Active"})
    rotation, effects, _ = _direct(iam, FakeVault(_record()))
    rotation.run(USER, INCIDENT)
    assert effects.names[1] == "iam.delete_access_key"
    assert effects.details[1] == {"user": USER, "key": "AKIAORPHAN0000000001", "why": "orphan"}
    assert "AKIAORPHAN0000000001" not in iam.keys


def test_a_retry_after_vault_holds_the_new_key_only_finishes_the_old_key() -> None:
    """The record says it was rotated for this incident: no second new key is made."""
    iam = FakeIam({"AKIAOLD0000000000001": "Active", "AKIANEW0000000000009": "Active"})
    vault = FakeVault(_record("AKIANEW0000000000009", version=4, rotated_for=INCIDENT))
    rotation, effects, _ = _direct(iam, vault)
    evidence = rotation.run(USER, INCIDENT)
    assert "iam.create_access_key" not in effects.names and vault.written == []
    assert iam.keys == {"AKIANEW0000000000009": "Active"}
    assert evidence["new_access_key_id"] == "AKIANEW0000000000009"
    assert evidence["vault_version"] == 4


def test_a_new_key_that_never_reaches_vault_is_deleted_and_the_old_stays() -> None:
    iam = FakeIam({"AKIAOLD0000000000001": "Active"})
    vault = FakeVault(_record())
    vault.fail_write = AwsError("Vault refused", code="vault.cas_conflict")
    rotation, effects, _ = _direct(iam, vault)
    with pytest.raises(AwsError, match="Vault refused"):
        rotation.run(USER, INCIDENT)
    assert iam.keys == {"AKIAOLD0000000000001": "Active"}
    assert effects.names[-1] == "iam.delete_access_key"
    assert effects.details[-1]["why"] == "not stored"
    assert vault.record.access_key_id == "AKIAOLD0000000000001"
    assert all(r.secret_access_key.wiped and r.console_password.wiped for r in vault.given)


def test_when_even_that_delete_fails_the_vault_failure_is_what_is_raised() -> None:
    iam = FakeIam({"AKIAOLD0000000000001": "Active"})
    iam.fail["delete_access_key"] = _client_error("ServiceFailure")
    vault = FakeVault(_record())
    vault.fail_write = AwsError("Vault refused", code="vault.cas_conflict")
    rotation, _, _ = _direct(iam, vault)
    with pytest.raises(AwsError) as raised:
        rotation.run(USER, INCIDENT)
    assert raised.value.code == "vault.cas_conflict"
    assert iam.keys["AKIAOLD0000000000001"] == "Active"


def test_a_new_key_is_retried_while_iam_propagates_it_then_given_up() -> None:
    iam = FakeIam({"AKIAOLD0000000000001": "Active"})
    answers = [AwsError("x", code="aws.invalid_keys"), AwsError("y", code="aws.access_denied")]

    def works(credentials: AwsCredentials) -> str:
        if answers:
            raise answers.pop(0)
        return "arn"

    rotation, _, clock = _direct(iam, FakeVault(_record()), works)
    started = clock.now()
    rotation.run(USER, INCIDENT)
    assert clock.now() - started == 2 * rotate.KEY_PROPAGATION_WAIT
    assert rotate.KEY_PROPAGATION_ATTEMPTS == 8 and rotate.KEY_PROPAGATION_WAIT == 2.0

    never = FakeIam({"AKIAOLD0000000000001": "Active"})
    tries: list[str] = []

    def never_works(credentials: AwsCredentials) -> str:
        tries.append(credentials.access_key_id)
        raise AwsError("not yet", code="aws.invalid_keys")

    rotation, _, _ = _direct(never, FakeVault(_record()), never_works)
    with pytest.raises(AwsError, match="not yet"):
        rotation.run(USER, INCIDENT)
    assert len(tries) == 8
    assert never.keys == {"AKIAOLD0000000000001": "Active"}  # the unproven key was removed


def test_any_other_error_while_proving_the_key_is_not_retried() -> None:
    iam = FakeIam({"AKIAOLD0000000000001": "Active"})
    tries: list[int] = []

    def broken(credentials: AwsCredentials) -> str:
        tries.append(1)
        raise AwsError("network", code="aws.network")

    rotation, _, _ = _direct(iam, FakeVault(_record()), broken)
    with pytest.raises(AwsError, match="network"):
        rotation.run(USER, INCIDENT)
    assert tries == [1]


def test_a_user_without_a_console_password_gets_one_created() -> None:
    iam = FakeIam({"AKIAOLD0000000000001": "Active"}, login_profile=False)
    vault = FakeVault(_record())
    rotation, _, _ = _direct(iam, vault)
    rotation.run(USER, INCIDENT)
    created = dict(iam.calls)["create_login_profile"]
    assert created == {
        "UserName": USER,
        "Password": vault.record.console_password.reveal(),
        "PasswordResetRequired": False,
    }


def test_any_other_failure_to_set_the_password_is_raised_and_old_key_kept() -> None:
    iam = FakeIam({"AKIAOLD0000000000001": "Active"})
    iam.fail["update_login_profile"] = _client_error("EntityTemporarilyUnmodifiable")
    rotation, _, _ = _direct(iam, FakeVault(_record()))
    with pytest.raises(AwsError):
        rotation.run(USER, INCIDENT)
    assert "create_login_profile" not in dict(iam.calls)
    assert iam.keys["AKIAOLD0000000000001"] == "Active"  # Vault has the new one: both work


def test_generated_passwords_have_every_class_iam_policies_ask_for() -> None:
    for _ in range(50):
        password = rotate.generate_password().reveal()
        assert len(password) == 32
        assert any(c.isupper() for c in password) and any(c.islower() for c in password)
        assert any(c.isdigit() for c in password)
        assert any(c in rotate.PASSWORD_SYMBOLS for c in password)
        assert set(password) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
            + rotate.PASSWORD_SYMBOLS
        )
    assert len(rotate.generate_password(4).reveal()) == 4


def test_a_candidate_password_missing_a_class_is_drawn_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn = iter("abcD" + "aB1!")  # no digit nor symbol, then all four classes
    monkeypatch.setattr(rotate.secrets, "choice", lambda alphabet: next(drawn))
    assert rotate.generate_password(4).reveal() == "aB1!"


# ----- the Lambda path -------------------------------------------------------------------


class FakeLambda:
    def __init__(self, answer: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self.answer = answer
        self.payloads: list[dict[str, Any]] = []

    def invoke(self, **kw: Any) -> dict[str, Any]:
        assert kw["InvocationType"] == "RequestResponse"
        payload = json.loads(kw["Payload"])
        self.payloads.append(payload)
        return self.answer(payload)


def _ok(body: Any, status: int = 200, function_error: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "StatusCode": status,
        "Payload": io.BytesIO(json.dumps(body).encode()),
    }
    if function_error:
        response["FunctionError"] = function_error
    return response


def _lambda_rotation(
    iam: FakeIam,
    vault: FakeVault,
    lam: Any,
    key_works: Callable[[AwsCredentials], str] | None = None,
) -> tuple[rotate.LambdaRotation, Effects]:
    effects = Effects()
    function = "arn:aws:lambda:eu-central-1:123456789012:function:rotate"
    works = key_works or (lambda credentials: f"arn:aws:iam::123456789012:user/{USER}")
    rotation = rotate.LambdaRotation(
        lam,
        function,
        iam,
        vault,
        "123456789012",
        effects,
        works,
        ManualClock(),
        email="jane@example.com",
    )
    return rotation, effects


def _rotating(iam: FakeIam, vault: FakeVault, body: Any = None) -> FakeLambda:
    """A Lambda that does its job: a new active key in IAM and in Vault."""

    def answer(payload: dict[str, Any]) -> dict[str, Any]:
        old = vault.record.access_key_id
        new = iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
        vault.write_record(replace(vault.record, access_key_id=new), cas=vault.record.version)
        iam.delete_access_key(UserName=USER, AccessKeyId=old)  # after the CAS write
        return _ok(body if body is not None else {"status": "rotated"})

    return FakeLambda(answer)


def test_the_lambda_gets_the_seed_payload_and_its_outcome_is_checked() -> None:
    iam = FakeIam({"AKIAOLD0000000000001": "Active"})
    vault = FakeVault(_record())
    lam = _rotating(iam, vault, body={"status": "x" * 100})
    rotation, effects = _lambda_rotation(iam, vault, lam)
    evidence = rotation.run(USER, INCIDENT)
    assert lam.payloads == [
        {"account": "123456789012", "name": USER, "email": "jane@example.com", "ForceRotate": USER}
    ]
    assert effects.names == [
        "vault.read_record",
        "lambda.invoke",
        "vault.read_record",
        "sts.get_caller_identity",  # the new key, checked by the app itself
    ]
    assert evidence == {
        "path": "lambda",
        "function": "arn:aws:lambda:eu-central-1:123456789012:function:rotate",
        "user": USER,
        "old_access_key_id": "AKIAOLD0000000000001",
        "new_access_key_id": "AKIANEW0000000000001",
        "vault_version": 4,
        "lambda_status": "x" * 64,  # a short status only: the answer is not trusted
    }
    assert all(r.secret_access_key.wiped for r in vault.given)


def test_a_lambda_that_changes_nothing_is_not_a_rotation() -> None:
    iam = FakeIam({"AKIAOLD0000000000001": "Active"})
    vault = FakeVault(_record())
    rotation, _ = _lambda_rotation(iam, vault, FakeLambda(lambda p: _ok({"status": "ok"})))
    with pytest.raises(AwsError) as raised:
        rotation.run(USER, INCIDENT)
    assert raised.value.code == "rotate.lambda_no_change"


def test_a_vault_key_that_is_not_active_after_the_lambda_is_refused() -> None:
    iam = FakeIam({"AKIAOLD0000000000001": "Active"})
    vault = FakeVault(_record())

    def answer(payload: dict[str, Any]) -> dict[str, Any]:
        vault.write_record(replace(vault.record, access_key_id="AKIAGHOST00000000001"), cas=3)
        return _ok({"status": "rotated"})

    rotation, _ = _lambda_rotation(iam, vault, FakeLambda(answer))
    with pytest.raises(AwsError) as raised:
        rotation.run(USER, INCIDENT)
    assert raised.value.code == "rotate.lambda_key_inactive"
    iam.keys["AKIAGHOST00000000001"] = "Inactive"
    vault.record = replace(vault.record, version=3)
    with pytest.raises(AwsError) as raised:
        rotation.run(USER, INCIDENT)
    assert raised.value.code == "rotate.lambda_key_inactive"


def test_a_retry_after_the_lambda_rotated_for_this_incident_does_not_invoke_it_again() -> None:
    iam = FakeIam({"AKIANEW0000000000009": "Active"})
    vault = FakeVault(_record("AKIANEW0000000000009", version=4, rotated_for=INCIDENT))
    lam = FakeLambda(lambda p: pytest.fail("invoked again"))
    rotation, effects = _lambda_rotation(iam, vault, lam)
    evidence = rotation.run(USER, INCIDENT)
    assert "lambda.invoke" not in effects.names
    assert evidence["lambda_status"] == "already rotated for this incident"


@pytest.mark.parametrize(
    ("response", "detail"),
    [
        (_ok({"errorMessage": "boom"}, function_error="Unhandled"), "boom"),
        (_ok({"errorMessage": "over"}, status=500), "over"),
        (_ok({"errorMessage": "x" * 400}, status=300), "x" * 300 + ". The"),
        (_ok(["not", "a", "dict"], status=502), "no detail"),
    ],
)
def test_a_lambda_error_is_refused_with_its_message(response: dict[str, Any], detail: str) -> None:
    iam = FakeIam({"AKIAOLD0000000000001": "Active"})
    rotation, _ = _lambda_rotation(iam, FakeVault(_record()), FakeLambda(lambda p: response))
    with pytest.raises(AwsError) as raised:
        rotation.run(USER, INCIDENT)
    assert raised.value.code == "rotate.lambda_error"
    assert f"The rotation Lambda failed: {detail}" in raised.value.message


def test_a_status_just_under_300_is_success() -> None:
    iam = FakeIam({"AKIAOLD0000000000001": "Active"})
    vault = FakeVault(_record())
    lam = _rotating(iam, vault)
    ok = lam.answer
    lam.answer = lambda p: {**ok(p), "StatusCode": 299}
    rotation, _ = _lambda_rotation(iam, vault, lam)
    assert rotation.run(USER, INCIDENT)["new_access_key_id"] == "AKIANEW0000000000001"


def test_a_lambda_answer_that_is_not_json_is_kept_short_and_plain() -> None:
    iam = FakeIam({"AKIAOLD0000000000001": "Active"})
    vault = FakeVault(_record())

    def answer(payload: dict[str, Any]) -> dict[str, Any]:
        _rotating(iam, vault).answer(payload)
        return {"StatusCode": 200, "Payload": io.BytesIO(b"<html>" + b"a" * 500)}

    rotation, _ = _lambda_rotation(iam, vault, FakeLambda(answer))
    assert rotation.run(USER, INCIDENT)["lambda_status"] == "ok"


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param({"StatusCode": 200}, id="no payload"),
        pytest.param({"StatusCode": 200, "Payload": io.BytesIO(b"")}, id="empty payload"),
        pytest.param({"StatusCode": 200, "Payload": io.BytesIO(b"[1, 2]")}, id="a JSON list"),
    ],
)
def test_a_lambda_answer_without_a_status_object_is_still_checked_by_its_outcome(
    answer: dict[str, Any],
) -> None:
    iam = FakeIam({"AKIAOLD0000000000001": "Active"})
    vault = FakeVault(_record())

    def rotate_and_answer(payload: dict[str, Any]) -> dict[str, Any]:
        _rotating(iam, vault).answer(payload)
        return answer

    rotation, _ = _lambda_rotation(iam, vault, FakeLambda(rotate_and_answer))
    evidence = rotation.run(USER, INCIDENT)
    assert (evidence["lambda_status"], evidence["new_access_key_id"]) == (
        "ok",
        "AKIANEW0000000000001",
    )


def test_a_lambda_that_times_out_says_it_may_still_be_running() -> None:
    class Slow:
        def invoke(self, **kw: Any) -> dict[str, Any]:
            raise ReadTimeoutError(endpoint_url="https://lambda")

    rotation, _ = _lambda_rotation(FakeIam({}), FakeVault(_record()), Slow())
    with pytest.raises(AwsError) as raised:
        rotation.run(USER, INCIDENT)
    assert raised.value.code == "rotate.lambda_timeout"


def test_a_lambda_invoke_refused_by_aws_is_classified() -> None:
    class Refusing:
        def invoke(self, **kw: Any) -> dict[str, Any]:
            raise _client_error("AccessDeniedException", "Invoke")

    rotation, _ = _lambda_rotation(FakeIam({}), FakeVault(_record()), Refusing())
    with pytest.raises(AwsError) as raised:
        rotation.run(USER, INCIDENT)
    assert raised.value.code == "aws.access_denied"


# ----- verification (§4.4) -----------------------------------------------------------------


def test_verification_wants_exactly_the_vault_key_active_and_a_password() -> None:
    good = rotate.verify_user(FakeIam({"AKIAV": "Active", "AKIAOLD": "Inactive"}), USER, "AKIAV")
    assert good == {"user": USER, "active_keys": ["AKIAV"], "login_profile": True,
                    "verified": True}  # fmt: skip
    two = rotate.verify_user(FakeIam({"AKIAV": "Active", "AKIAOLD": "Active"}), USER, "AKIAV")
    assert two["verified"] is False and two["active_keys"] == ["AKIAOLD", "AKIAV"]
    other = rotate.verify_user(FakeIam({"AKIAX": "Active"}), USER, "AKIAV")
    assert other["verified"] is False
    no_password = rotate.verify_user(
        FakeIam({"AKIAV": "Active"}, login_profile=False), USER, "AKIAV"
    )
    assert (no_password["verified"], no_password["login_profile"]) == (False, False)


def test_verification_that_cannot_read_the_password_state_raises() -> None:
    iam = FakeIam({"AKIAV": "Active"})
    iam.fail["get_login_profile"] = _client_error("AccessDenied", "GetLoginProfile")
    with pytest.raises(AwsError) as raised:
        rotate.verify_user(iam, USER, "AKIAV")
    assert raised.value.code == "aws.access_denied"


def test_a_lambda_that_leaves_the_old_key_behind_is_not_a_rotation() -> None:
    """The old key may have been read by whoever broke the glass: it must be gone."""
    iam = FakeIam({"AKIAOLD0000000000001": "Active"})
    vault = FakeVault(_record())

    def answer(payload: dict[str, Any]) -> dict[str, Any]:
        new = iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
        vault.write_record(replace(vault.record, access_key_id=new), cas=vault.record.version)
        iam.keys["AKIAOLD0000000000001"] = "Inactive"  # deactivated, never deleted
        return _ok({"status": "rotated"})

    rotation, _ = _lambda_rotation(iam, vault, FakeLambda(answer))
    with pytest.raises(AwsError) as raised:
        rotation.run(USER, INCIDENT)
    assert raised.value.code == "rotate.lambda_old_key_left"
    assert "AKIAOLD0000000000001 still exists (Inactive)" in raised.value.message


def test_a_key_in_vault_that_does_not_work_is_not_a_rotation() -> None:
    iam = FakeIam({"AKIAOLD0000000000001": "Active"})
    vault = FakeVault(_record())
    tried: list[str] = []

    given: list[AwsCredentials] = []

    def refused(credentials: AwsCredentials) -> str:
        tried.append(credentials.access_key_id)
        given.append(credentials)
        raise AwsError(
            "The security token included in the request is invalid.", code="aws.invalid_keys"
        )

    rotation, _ = _lambda_rotation(iam, vault, _rotating(iam, vault), key_works=refused)
    with pytest.raises(AwsError) as raised:
        rotation.run(USER, INCIDENT)
    assert raised.value.code == "rotate.lambda_key_fails"
    assert set(tried) == {"AKIANEW0000000000001"} and len(tried) == rotate.KEY_PROPAGATION_ATTEMPTS
    assert all(c.secret_access_key.wiped for c in given)  # the tested secret is not kept
