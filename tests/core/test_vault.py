"""Vault through hvac against recorded responses: health, unseal, login, KV v2, every error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from breakglass_gui.core.config import VaultConfig
from breakglass_gui.core.errors import VaultError
from breakglass_gui.core.secret import Secret
from breakglass_gui.core.vault import VaultGateway
from tests.fakes.vault_recorded import RecordedVault

PASSWORD = "vault-pass"
RECORD = {
    "username": "bg1",
    "account_id": "123456789012",
    "mfa_serial": "arn:aws:iam::1:mfa/bg1",
    "access_key_id": "AKIAEXAMPLE",
    "secret_access_key": "s" * 40,
    "console_password": "P@ss-word-123",
}


def gateway(vault: RecordedVault, **overrides: Any) -> VaultGateway:
    fields: dict[str, Any] = {
        "address": "https://vault.test:8200",
        "auth_method": "userpass",
        "username": "breakglass",
        "users": ("bg1",),
        "default_user": "bg1",
    }
    fields.update(overrides)
    return VaultGateway(VaultConfig(**fields), session=vault.session())


@pytest.fixture
def vault() -> RecordedVault:
    return RecordedVault(users={"bg1": dict(RECORD)}, password=PASSWORD)


def test_login_and_read_the_record_without_exposing_secrets(vault: RecordedVault) -> None:
    g = gateway(vault)
    facts = g.login(Secret(PASSWORD))
    assert facts["policies"] == ["breakglass-read", "breakglass-rotate", "default"]
    record = g.read_record("bg1")
    assert record.public() == {
        "user": "bg1",
        "account_id": "123456789012",
        "mfa_serial": "arn:aws:iam::1:mfa/bg1",
        "access_key_id": "AKIAEXAMPLE",
        "version": 1,
    }
    assert "s" * 40 not in repr(record)
    assert record.secret_access_key.reveal() == "s" * 40


def test_check_and_set_write_returns_the_new_version(vault: RecordedVault) -> None:
    g = gateway(vault)
    g.login(Secret(PASSWORD))
    record = g.read_record("bg1")
    assert g.write_record(record, cas=1) == 2
    with pytest.raises(VaultError) as raised:
        g.write_record(record, cas=1)
    assert raised.value.code == "vault.cas_conflict"
    assert "Nothing was overwritten" in raised.value.message


def test_health_and_unseal_progress_k_of_t(vault: RecordedVault) -> None:
    vault.sealed = True
    g = gateway(vault)
    assert g.health().sealed is True
    status = g.seal_status()
    assert (status.sealed, status.progress, status.threshold) == (True, 0, 3)
    status = g.submit_unseal_share(Secret(vault.unseal_keys[0]))
    assert status.describe() == "1 of 3 key shares entered"
    g.submit_unseal_share(Secret(vault.unseal_keys[1]))
    assert g.submit_unseal_share(Secret(vault.unseal_keys[2])).sealed is False
    assert g.health().sealed is False


@pytest.mark.parametrize(
    ("method", "extra"),
    [
        ("userpass", {"username": "breakglass"}),
        ("ldap", {"username": "breakglass"}),
        ("approle", {"role_id": "breakglass-role"}),
    ],
)
def test_each_password_like_auth_method_logs_in(
    vault: RecordedVault, method: str, extra: dict[str, str]
) -> None:
    g = gateway(vault, auth_method=method, **extra)
    g.login(Secret(PASSWORD))
    assert g.logged_in
    assert g.read_record("bg1").username == "bg1"


def test_token_auth_checks_the_token_with_lookup_self(vault: RecordedVault) -> None:
    g = gateway(vault, auth_method="token")
    g.login(Secret(vault.root_token))
    assert g.read_record("bg1").username == "bg1"
    bad = gateway(vault, auth_method="token")
    with pytest.raises(VaultError) as raised:
        bad.login(Secret("hvs.not-a-token"))
    assert raised.value.code == "vault.permission_denied"


def test_the_token_is_revoked_and_forgotten(vault: RecordedVault) -> None:
    g = gateway(vault)
    g.login(Secret(PASSWORD))
    assert g.revoke_token() is True
    assert vault.tokens == set()
    assert not g.logged_in
    assert g.revoke_token() is False


@pytest.mark.parametrize(
    ("fault", "code", "words"),
    [
        ("sealed", "vault.sealed", "Vault is sealed"),
        ("not_initialized", "vault.not_initialized", "not initialised"),
        ("permission_denied", "vault.permission_denied", "permission denied"),
        ("missing", "vault.path_missing", "not in Vault at the configured path"),
        ("unreachable", "vault.unreachable", "cannot be reached"),
        ("tls", "vault.tls", "certificate could not be verified"),
        ("rate_limited", "vault.rate_limited", "rate-limiting"),
        ("internal", "vault.server", "internal error"),
    ],
)
def test_every_vault_failure_has_its_own_operator_message(
    vault: RecordedVault, fault: str, code: str, words: str
) -> None:
    g = gateway(vault)
    g.login(Secret(PASSWORD))
    vault.faults["/v1/secret/"] = fault
    with pytest.raises(VaultError) as raised:
        g.read_record("bg1")
    assert raised.value.code == code
    assert words in raised.value.message


def test_an_expired_token_is_told_apart_from_a_missing_policy(vault: RecordedVault) -> None:
    g = gateway(vault)
    g.login(Secret(PASSWORD))
    vault.expire_tokens()
    with pytest.raises(VaultError) as raised:
        g.read_record("bg1")
    assert raised.value.code == "vault.token_expired"
    assert "Log in to Vault again" in raised.value.message


def test_wrong_credentials_are_reported_as_such(vault: RecordedVault) -> None:
    with pytest.raises(VaultError) as raised:
        gateway(vault).login(Secret("wrong"))
    assert raised.value.code == "vault.bad_credentials"


def test_a_sealed_vault_refuses_login_with_the_sealed_message(vault: RecordedVault) -> None:
    vault.sealed = True
    with pytest.raises(VaultError) as raised:
        gateway(vault).login(Secret(PASSWORD))
    assert raised.value.code == "vault.sealed"


def test_an_incomplete_record_is_reported(vault: RecordedVault) -> None:
    vault.kv["breakglass/users/bg1"].append({"username": "bg1"})
    g = gateway(vault)
    g.login(Secret(PASSWORD))
    with pytest.raises(VaultError) as raised:
        g.read_record("bg1")
    assert raised.value.code == "vault.bad_record"
    assert "access_key_id" in raised.value.message


def test_plain_http_is_refused_even_on_loopback(vault: RecordedVault) -> None:
    with pytest.raises(VaultError, match="plain HTTP"):
        gateway(vault, address="http://vault.example.com")
    with pytest.raises(VaultError, match="plain HTTP"):
        gateway(vault, address="http://127.0.0.1:8200")
    gateway(vault, address="https://127.0.0.1:8200").health()


def test_vault_skip_verify_is_refused(
    vault: RecordedVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULT_SKIP_VERIFY", "1")
    with pytest.raises(VaultError) as raised:
        gateway(vault)
    assert raised.value.code == "vault.skip_verify"


def test_no_ambient_token_is_ever_used(
    vault: RecordedVault, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("VAULT_TOKEN", vault.root_token)
    (tmp_path / ".vault-token").write_text(vault.root_token)
    g = gateway(vault)
    assert not g.client.token
    with pytest.raises(VaultError) as raised:
        g.read_record("bg1")
    assert raised.value.code == "vault.token_expired"  # no token of ours, none borrowed
    assert vault.requests == []  # refused before any request carrying a borrowed token
