"""Vault through hvac against *recorded* responses: only what a real OpenBao cannot show.

Everything else about Vault is tested against a real OpenBao server
(tests/core/test_vault_openbao.py). Kept here: LDAP login (the LDAP auth plugin is not in
OpenBao 2.7's catalogue, and the app supports it for organisations whose Vault has it: the
responses follow Vault's documented LDAP login API), the 429 and 500 answers a healthy server
does not give on demand, and the refusals that happen before any request is made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from breakglass_gui.core.config import VaultConfig
from breakglass_gui.core.errors import VaultError
from breakglass_gui.core.registry import vault_gateway
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
    return vault_gateway(VaultConfig(**fields), session=vault.session())


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


def test_ldap_logs_in_as_vaults_ldap_api_answers(vault: RecordedVault) -> None:
    g = gateway(vault, auth_method="ldap")
    g.login(Secret(PASSWORD))
    assert g.logged_in
    assert g.read_record("bg1").username == "bg1"


@pytest.mark.parametrize(
    ("fault", "code", "words"),
    [
        ("rate_limited", "vault.rate_limited", "rate-limiting"),
        ("internal", "vault.server", "internal error"),
    ],
)
def test_rate_limiting_and_an_internal_error_have_their_own_messages(
    vault: RecordedVault, fault: str, code: str, words: str
) -> None:
    g = gateway(vault)
    g.login(Secret(PASSWORD))
    vault.faults["/v1/secret/"] = fault
    with pytest.raises(VaultError) as raised:
        g.read_record("bg1")
    assert raised.value.code == code
    assert words in raised.value.message


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
