"""hvac, unchanged, against the drill Vault service — assertions written from Vault's API docs.

Each expectation below is what developer.hashicorp.com/vault/api-docs documents for the
endpoint (status codes, the response envelope, field names), not what the service's code does.
"""

from __future__ import annotations

import atexit
from collections.abc import Iterator

import hvac
import hvac.exceptions
import pytest
import requests

from breakglass_gui.drill.tls import DrillTls
from breakglass_gui.drill.vault_service import VaultService

PASSWORD = "drill-password-123"
TLS = DrillTls.create()  # one CA for the module
atexit.register(TLS.remove)
CA = str(TLS.ca_file)


@pytest.fixture
def vault() -> Iterator[tuple[VaultService, str]]:
    service = VaultService(users={"breakglass": PASSWORD}, shares=5, threshold=3, sealed=True)
    address = service.serve(TLS.server_context)
    yield service, address
    service.stop()


def _client(address: str, token: str = "") -> hvac.Client:
    return hvac.Client(url=address, token=token, verify=CA)


def test_sys_health_codes_and_fields(vault: tuple[VaultService, str]) -> None:
    service, address = vault
    sealed = requests.get(f"{address}/v1/sys/health", timeout=5, verify=CA)
    assert sealed.status_code == 503  # documented: 503 if sealed
    assert {
        "initialized",
        "sealed",
        "standby",
        "server_time_utc",
        "version",
        "cluster_name",
    } <= set(sealed.json())
    service.sealed = False
    assert requests.get(f"{address}/v1/sys/health", timeout=5, verify=CA).status_code == 200
    assert _client(address).sys.read_health_status(method="GET")["sealed"] is False


def test_seal_status_and_unseal_with_key_shares(vault: tuple[VaultService, str]) -> None:
    service, address = vault
    client = _client(address)
    status = client.sys.read_seal_status()
    assert (status["sealed"], status["t"], status["n"], status["progress"]) == (True, 3, 5, 0)
    assert client.sys.is_sealed()
    progress = client.sys.submit_unseal_key(service.unseal_keys[0])
    assert (progress["sealed"], progress["progress"]) == (True, 1)
    with pytest.raises(hvac.exceptions.InvalidRequest):
        client.sys.submit_unseal_key("not-a-share")
    client.sys.submit_unseal_key(service.unseal_keys[3])
    final = client.sys.submit_unseal_key(service.unseal_keys[4])
    assert (final["sealed"], final["progress"]) == (False, 0)
    assert not client.sys.is_sealed()


def test_a_sealed_vault_answers_503_vault_is_sealed(vault: tuple[VaultService, str]) -> None:
    _, address = vault
    with pytest.raises(hvac.exceptions.VaultDown, match="Vault is sealed"):
        _client(address).auth.userpass.login(username="breakglass", password=PASSWORD)


def _unsealed(vault: tuple[VaultService, str]) -> tuple[VaultService, hvac.Client]:
    service, address = vault
    service.sealed = False
    client = _client(address)
    client.auth.userpass.login(username="breakglass", password=PASSWORD)
    return service, client


def test_userpass_login_returns_an_auth_block_and_the_token_works(
    vault: tuple[VaultService, str],
) -> None:
    _, client = _unsealed(vault)
    assert client.is_authenticated()
    info = client.auth.token.lookup_self()["data"]
    assert info["id"] == client.token
    assert info["ttl"] > 0 and "default" in info["policies"]
    with pytest.raises(hvac.exceptions.InvalidRequest, match="invalid username or password"):
        _client(vault[1]).auth.userpass.login(username="breakglass", password="wrong")


def test_kv_v2_versions_and_check_and_set(vault: tuple[VaultService, str]) -> None:
    _, client = _unsealed(vault)
    kv = client.secrets.kv.v2
    created = kv.create_or_update_secret(path="breakglass/users/u", secret={"a": "1"}, cas=0)
    assert created["data"]["version"] == 1
    assert set(created["data"]) == {
        "created_time",
        "custom_metadata",
        "deletion_time",
        "destroyed",
        "version",
    }
    kv.create_or_update_secret(path="breakglass/users/u", secret={"a": "2"}, cas=1)
    read = kv.read_secret_version(path="breakglass/users/u", raise_on_deleted_version=True)
    assert read["data"]["data"] == {"a": "2"}
    assert read["data"]["metadata"]["version"] == 2
    first = kv.read_secret_version(
        path="breakglass/users/u", version=1, raise_on_deleted_version=True
    )
    assert first["data"]["data"] == {"a": "1"}
    with pytest.raises(hvac.exceptions.InvalidRequest, match="check-and-set"):
        kv.create_or_update_secret(path="breakglass/users/u", secret={"a": "3"}, cas=1)
    metadata = kv.read_secret_metadata(path="breakglass/users/u")["data"]
    assert metadata["current_version"] == 2 and set(metadata["versions"]) == {"1", "2"}
    with pytest.raises(hvac.exceptions.InvalidPath):
        kv.read_secret_version(path="breakglass/users/nobody", raise_on_deleted_version=True)


def test_token_revocation_ends_access_with_403(vault: tuple[VaultService, str]) -> None:
    _, client = _unsealed(vault)
    response = client.adapter.post("/v1/auth/token/revoke-self")
    assert response.status_code == 204  # documented: 204 (empty body)
    with pytest.raises(hvac.exceptions.Forbidden):
        client.auth.token.lookup_self()
    assert not client.is_authenticated()


def test_the_app_gateway_runs_its_whole_vault_conversation(
    vault: tuple[VaultService, str],
) -> None:
    from breakglass_gui.core.config import VaultConfig
    from breakglass_gui.core.secret import Secret
    from breakglass_gui.core.vault import VaultGateway

    service, address = vault
    service.put(
        "breakglass/users/bg",
        {
            "username": "bg",
            "account_id": "123456789012",
            "mfa_serial": "arn:aws:iam::1:mfa/bg",
            "access_key_id": "AKIAEXAMPLE",
            "secret_access_key": "s" * 40,
            "console_password": "p" * 20,
        },
    )
    gateway = VaultGateway(
        VaultConfig(
            address=address,
            auth_method="userpass",
            username="breakglass",
            users=("bg",),
            default_user="bg",
            ca_bundle=CA,
        ),
    )
    assert gateway.health().sealed
    for key in service.unseal_keys[:3]:
        status = gateway.submit_unseal_share(Secret(key))
    assert not status.sealed
    gateway.login(Secret(PASSWORD))
    record = gateway.read_record("bg")
    assert gateway.write_record(record, cas=record.version) == 2
    assert gateway.revoke_token()
    assert service.tokens == {}
