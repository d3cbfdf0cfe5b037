"""The Vault gateway against a real OpenBao server (issue 17.4, 17.5): every fault below is the
server's own answer, through unchanged hvac, and each has its own operator message.

The semantics are OpenBao's (= Vault's HTTP API): a wrong unseal share is counted and only
refused at the threshold, with the count reset; a path outside the policy is a 403 while the
token still looks itself up; an expired token cannot even do that; a KV v2 mount with
`cas_required` refuses a write without check-and-set."""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

import hvac
import pytest

from breakglass_gui.core.errors import VaultError
from breakglass_gui.core.registry import vault_gateway
from breakglass_gui.core.resources import resource_path
from breakglass_gui.core.secret import Secret
from breakglass_gui.core.vault import required_capabilities
from breakglass_gui.core.vault_checks import vault_checks
from breakglass_gui.drill.openbao import OPERATOR_POLICY, OpenBaoServer, enable_kv_v2
from breakglass_gui.drill.tls import DrillTls
from tests.fakes.openbao import PASSWORD, Bao, record_for, vault_config
from tests.fakes.waiting import wait_for


def _code(fn: Any) -> VaultError:
    with pytest.raises(VaultError) as raised:
        fn()
    return raised.value


def test_login_read_and_the_facts_the_journal_keeps(openbao: Bao) -> None:
    user = openbao.record()
    g = openbao.gateway(user)
    facts = g.login(Secret(PASSWORD))
    assert facts["policies"] == [OPERATOR_POLICY]
    assert facts["ttl"] == 1800 and facts["renewable"] is True
    assert facts["accessor"] and facts["accessor"] == g.accessor
    assert facts["expires_at"].endswith("Z")
    record = g.read_record(user)
    assert record.public()["user"] == user and record.version == 1
    # Every response's request id is kept, and OpenBao's audit log has each of them.
    assert len(g.request_ids) == 2
    wait_for(
        lambda: set(g.request_ids) <= openbao.server.tap.request_ids(),
        "the request ids never reached OpenBao's audit stream",
    )
    assert all(rid in (openbao.server.directory / "audit.log").read_text() for rid in g.request_ids)
    assert g.revoke_token() is True
    assert facts["accessor"] not in openbao.server.live_tokens("breakglass")


def test_a_sealed_server_and_unsealing_with_three_of_five_shares(openbao: Bao) -> None:
    g = openbao.gateway()
    with openbao.sealed() as server:
        assert g.health().sealed is True
        assert _code(lambda: g.login(Secret(PASSWORD))).code == "vault.sealed"
        status = g.submit_unseal_share(Secret(server.unseal_keys[0]))
        assert (status.sealed, status.progress, status.threshold, status.shares) == (True, 1, 3, 5)
        assert status.describe() == "1 of 3 key shares entered"
        g.submit_unseal_share(Secret(server.unseal_keys[3]))  # any three of the five
        assert g.submit_unseal_share(Secret(server.unseal_keys[4])).sealed is False


def test_a_wrong_share_is_counted_then_refused_at_the_threshold_and_the_count_reset(
    openbao: Bao,
) -> None:
    g = openbao.gateway()
    with openbao.sealed() as server:
        g.submit_unseal_share(Secret(server.unseal_keys[0]))
        wrong = g.submit_unseal_share(Secret(secrets.token_hex(33)))  # well-formed, wrong
        assert (wrong.sealed, wrong.progress) == (True, 2)  # Vault cannot tell yet
        error = _code(lambda: g.submit_unseal_share(Secret(server.unseal_keys[1])))
        assert error.code == "vault.bad_share"
        assert "at least one of them is wrong" in error.message
        assert "internal" not in error.message.lower()
        assert g.seal_status().progress == 0  # the server reset the count
        malformed = _code(lambda: g.submit_unseal_share(Secret("not-a-share")))
        assert malformed.code == "vault.malformed_share"
        assert g.seal_status().progress == 0  # nothing counted


def test_wrong_credentials(openbao: Bao) -> None:
    error = _code(lambda: openbao.gateway().login(Secret("wrong-password")))
    assert error.code == "vault.bad_credentials"


def test_a_missing_record_and_a_soft_deleted_one(openbao: Bao) -> None:
    g = openbao.gateway()
    g.login(Secret(PASSWORD))
    assert _code(lambda: g.read_record("nobody-here")).code == "vault.path_missing"
    user = openbao.record()
    admin = openbao.server.client(openbao.server.root_token)
    admin.secrets.kv.v2.delete_latest_version_of_secret(path=f"breakglass/users/{user}")
    assert _code(lambda: g.read_record(user)).code == "vault.path_missing"
    assert g.record_metadata(user).deleted is True


def test_an_incomplete_record_is_reported(openbao: Bao) -> None:
    user = openbao.record({"username": "half"})
    g = openbao.gateway(user)
    g.login(Secret(PASSWORD))
    error = _code(lambda: g.read_record(user))
    assert error.code == "vault.bad_record" and "access_key_id" in error.message


def test_a_policy_without_the_path_is_403_and_told_apart_from_expiry(openbao: Bao) -> None:
    server = openbao.server
    admin = server.client(server.root_token)
    admin.sys.create_or_update_policy(
        name="token-only", policy='path "auth/token/lookup-self" { capabilities = ["read"] }'
    )
    server.add_user("no-kv", PASSWORD, ["token-only"])
    user = openbao.record()
    g = openbao.gateway(user, username="no-kv")
    g.login(Secret(PASSWORD))
    error = _code(lambda: g.read_record(user))
    assert error.code == "vault.permission_denied"
    assert "policy does not allow" in error.message
    assert g.logged_in  # the token is fine: only the policy is missing


def test_an_expired_token_asks_for_a_new_login(openbao: Bao) -> None:
    openbao.server.add_user("short-lived", PASSWORD, ttl="1s", max_ttl="1s")
    user = openbao.record()
    g = openbao.gateway(user, username="short-lived")
    g.login(Secret(PASSWORD))
    time.sleep(1.5)
    error = _code(lambda: g.read_record(user))
    assert error.code == "vault.token_expired"
    assert "Log in to Vault again" in error.message
    assert not g.logged_in  # dropped: the procedure asks for a login, not a retry


def test_renewal_is_due_at_half_the_ttl_and_extends_the_token(openbao: Bao) -> None:
    now = [1000.0]
    user = openbao.record()
    config = openbao.config(user)
    g = vault_gateway(config, monotonic=lambda: now[0])
    g.login(Secret(PASSWORD))
    assert not g.renewal_due()
    now[0] += 901  # past half of 30 minutes
    assert g.renewal_due()
    renewed = g.renew_token()
    assert renewed["ttl"] == 1800 and renewed["accessor"] == g.accessor
    assert not g.renewal_due()


def test_a_concurrent_write_is_a_cas_conflict_and_nothing_is_overwritten(openbao: Bao) -> None:
    user = openbao.record()
    g = openbao.gateway(user)
    g.login(Secret(PASSWORD))
    record = g.read_record(user)
    openbao.server.put(f"breakglass/users/{user}", {**record_for(user), "rotated_for": "other"})
    error = _code(lambda: g.write_record(record, cas=record.version))
    assert error.code == "vault.cas_conflict" and "Nothing was overwritten" in error.message
    assert openbao.server.current(f"breakglass/users/{user}")["rotated_for"] == "other"
    assert g.write_record(g.read_record(user), cas=2) == 3


def test_a_write_without_check_and_set_is_refused_by_the_mount(openbao: Bao) -> None:
    user = openbao.record()
    client = openbao.server.client()
    client.auth.userpass.login(username="breakglass", password=PASSWORD)
    with pytest.raises(hvac.exceptions.InvalidRequest, match="check-and-set parameter required"):
        client.secrets.kv.v2.create_or_update_secret(
            path=f"breakglass/users/{user}", secret=record_for(user)
        )


def test_the_token_is_revoked_and_forgotten(openbao: Bao) -> None:
    g = openbao.gateway()
    g.login(Secret(PASSWORD))
    accessor = g.accessor
    assert accessor in openbao.server.live_tokens("breakglass")
    assert g.revoke_token() is True
    assert accessor not in openbao.server.live_tokens("breakglass")
    assert not g.logged_in and g.revoke_token() is False


def test_revoking_another_token_by_accessor_is_refused_by_the_shipped_policy(
    openbao: Bao,
) -> None:
    orphan = openbao.gateway()
    orphan.login(Secret(PASSWORD))
    g = openbao.gateway()
    g.login(Secret(PASSWORD))
    assert _code(lambda: g.revoke_accessor(orphan.accessor)).code == "vault.permission_denied"
    assert orphan.accessor in openbao.server.live_tokens("breakglass")
    orphan.revoke_token()


def test_the_shipped_policy_grants_exactly_what_the_procedure_needs(openbao: Bao) -> None:
    user = openbao.record()
    g = openbao.gateway(user)
    g.login(Secret(PASSWORD))
    needed = required_capabilities(g.config, user)
    granted = g.capabilities(sorted(needed))
    assert {path: sorted(caps) for path, caps in granted.items()} == {
        path: sorted(caps) for path, caps in needed.items()
    }
    assert g.capabilities(["sys/policies/acl/anything", "secret/data/other"]) == {
        "sys/policies/acl/anything": ["deny"],
        "secret/data/other": ["deny"],
    }
    shipped = resource_path("vault", f"{OPERATOR_POLICY}.hcl").read_text()
    assert "revoke-accessor" not in shipped and '"create"' not in shipped


def test_readiness_checks_policy_and_records_without_reading_a_secret(openbao: Bao) -> None:
    users = (openbao.record(), openbao.record())
    g = openbao.gateway(users[0], users=users)
    before = len(openbao.server.tap.entries())
    checks = vault_checks(g, users, Secret(PASSWORD))()
    assert [(c.name, c.ok) for c in checks] == [
        ("Vault reachable", True),
        ("Vault policy", True),
        (f"Vault record {users[0]}", True),
        (f"Vault record {users[1]}", True),
    ]
    assert "version 1" in checks[2].reason
    time.sleep(0.2)
    # Only these users' paths: other tests on this worker share the server, and a thread a
    # previous test left finishing may read its own (different) user's record meanwhile. Only
    # reads: the audit device streams entries as they come, so the records' own writes (made
    # above, as root) can arrive after `before` was taken on a busy machine.
    reads = [
        e["request"]["path"]
        for e in openbao.server.tap.entries()[before:]
        if e["request"].get("operation") == "read"
        and any(e["request"]["path"].endswith(f"/{user}") for user in users)
    ]
    assert any(p.startswith("secret/metadata/") for p in reads)
    assert not any(p.startswith("secret/data/") for p in reads), "readiness read a secret"


def test_readiness_names_each_missing_capability(openbao: Bao) -> None:
    server = openbao.server
    server.client(server.root_token).sys.create_or_update_policy(
        name="read-only",
        policy='path "secret/data/breakglass/users/*" { capabilities = ["read"] }\n'
        'path "sys/capabilities-self" { capabilities = ["update"] }\n',
    )
    server.add_user("read-only", PASSWORD, ["read-only"])
    user = openbao.record()
    g = openbao.gateway(user, username="read-only")
    checks = {c.name: c for c in vault_checks(g, (user,), Secret(PASSWORD))()}
    policy = checks["Vault policy"]
    assert not policy.ok
    assert f"secret/data/breakglass/users/{user}: update" in policy.reason
    assert "auth/token/renew-self: update" in policy.reason
    assert f"secret/data/breakglass/users/{user}: read" not in policy.reason
    assert not checks[f"Vault record {user}"].ok  # no metadata read either


def test_approle_login(openbao: Bao) -> None:
    admin = openbao.server.client(openbao.server.root_token)
    if "approle/" not in admin.sys.list_auth_methods()["data"]:
        admin.sys.enable_auth_method("approle")
    admin.auth.approle.create_or_update_approle(
        "breakglass-app",
        token_policies=[OPERATOR_POLICY],
        token_no_default_policy=True,
        token_ttl="30m",
    )
    role_id = admin.auth.approle.read_role_id("breakglass-app")["data"]["role_id"]
    secret_id = admin.auth.approle.generate_secret_id("breakglass-app")["data"]["secret_id"]
    user = openbao.record()
    g = openbao.gateway(user, auth_method="approle", role_id=role_id, username="")
    assert g.login(Secret(secret_id))["policies"] == [OPERATOR_POLICY]
    assert g.read_record(user).username == user
    g.revoke_token()
    bad = openbao.gateway(user, auth_method="approle", role_id=role_id, username="")
    assert _code(lambda: bad.login(Secret(str(uuid.uuid4())))).code == "vault.bad_credentials"


def test_token_auth_checks_the_token_with_lookup_self(openbao: Bao) -> None:
    login = openbao.server.client().auth.userpass.login(username="breakglass", password=PASSWORD)
    user = openbao.record()
    g = openbao.gateway(user, auth_method="token", username="")
    g.login(Secret(login["auth"]["client_token"]))
    assert g.read_record(user).username == user
    bad = openbao.gateway(user, auth_method="token", username="")
    assert _code(lambda: bad.login(Secret("s.notatokenatallnotatoken"))).code in (
        "vault.permission_denied",
        "vault.bad_credentials",
    )


def test_a_namespace_from_the_config(openbao: Bao) -> None:
    admin = openbao.server.client(openbao.server.root_token)
    name = f"team{uuid.uuid4().hex[:6]}"
    admin.sys.create_namespace(name)
    inside = openbao.server.client(openbao.server.root_token, namespace=name)
    enable_kv_v2(inside, "secret")
    inside.sys.enable_auth_method("userpass")
    inside.sys.create_or_update_policy(
        name=OPERATOR_POLICY,
        policy=resource_path("vault", f"{OPERATOR_POLICY}.hcl").read_text(),
    )
    inside.auth.userpass.create_or_update_user(
        username="ns-operator", password=PASSWORD, token_policies=[OPERATOR_POLICY]
    )
    inside.secrets.kv.v2.create_or_update_secret(
        path="breakglass/users/ns-user", secret=record_for("ns-user"), cas=0
    )
    g = openbao.gateway("ns-user", namespace=name, username="ns-operator")
    # Health, seal status and unseal exist only in the root namespace: asked there.
    assert g.health().initialized and g.seal_status().sealed is False
    g.login(Secret(PASSWORD))
    assert g.read_record("ns-user").username == "ns-user"
    root = openbao.gateway("ns-user", username="ns-operator")  # not in the root namespace
    assert _code(lambda: root.login(Secret(PASSWORD))).code == "vault.bad_credentials"


def test_tls_an_unknown_ca_and_a_wrong_host_name_are_refused(openbao: Bao) -> None:
    other = DrillTls.create()
    try:
        unknown = openbao.gateway(ca_bundle=str(other.ca_file))
        assert _code(unknown.health).code == "vault.tls"
    finally:
        other.remove()
    port = openbao.server.address.rsplit(":", 1)[1]
    # 2130706433 is 127.0.0.1 written as one number: the same server, a name its certificate
    # does not carry.
    misnamed = openbao.gateway(address=f"https://2130706433:{port}")
    assert _code(misnamed.health).code == "vault.tls"


def test_a_server_that_stops_is_unreachable_not_an_internal_error() -> None:
    tls = DrillTls.create()
    server = OpenBaoServer.launch(tls).ready()
    try:
        server.initialise()
        server.configure({"breakglass": PASSWORD})
        server.put("breakglass/users/bg1", record_for("bg1"))
        g = vault_gateway(vault_config(server))
        g.login(Secret(PASSWORD))
        server.process.terminate()
        server.process.wait(timeout=10)
        error = _code(lambda: g.read_record("bg1"))
        assert error.code == "vault.unreachable"
    finally:
        server.stop()
        tls.remove()


def test_a_server_nobody_initialised_is_told_apart_from_a_sealed_one() -> None:
    tls = DrillTls.create()
    server = OpenBaoServer.launch(tls).ready()  # never initialised
    try:
        g = vault_gateway(vault_config(server))
        assert g.health().initialized is False
        error = _code(lambda: g.login(Secret(PASSWORD)))  # the server itself says "sealed"
        assert error.code == "vault.not_initialized"
        assert "never been set up" in error.message
    finally:
        server.stop()
        tls.remove()


def _client_pki(tmp_path: Any, passphrase: bytes) -> tuple[str, str, str]:
    """A client CA and an operator certificate under it; the key written encrypted."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "operators CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "drill-operator")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    cert_file, key_file = tmp_path / "operator.pem", tmp_path / "operator.key"
    cert_file.write_bytes(cert.public_bytes(pem))
    key_file.write_bytes(
        key.private_bytes(
            pem,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase),
        )
    )
    return ca.public_bytes(pem).decode(), str(cert_file), str(key_file)


def test_cert_auth_with_an_encrypted_key_and_its_passphrase(openbao: Bao, tmp_path: Any) -> None:
    admin = openbao.server.client(openbao.server.root_token)
    if "cert/" not in admin.sys.list_auth_methods()["data"]:
        admin.sys.enable_auth_method("cert")
    ca_pem, cert_file, key_file = _client_pki(tmp_path, b"operator-key-passphrase")
    admin.adapter.post(
        "/v1/auth/cert/certs/operator",
        json={
            "certificate": ca_pem,
            "token_policies": [OPERATOR_POLICY],
            "token_no_default_policy": True,
            "token_ttl": "30m",
        },
    )
    user = openbao.record()
    settings = {
        "auth_method": "cert",
        "username": "",
        "client_cert": cert_file,
        "client_key": key_file,
        "cert_role": "operator",
    }
    g = openbao.gateway(user, **settings)
    facts = g.login(Secret("operator-key-passphrase"))
    assert facts["policies"] == [OPERATOR_POLICY]
    assert g.read_record(user).username == user
    g.revoke_token()
    wrong = openbao.gateway(user, **settings)
    assert _code(lambda: wrong.login(Secret("not-the-passphrase"))).code == "vault.bad_credentials"
    (tmp_path / "other").mkdir()
    _, other_cert, other_key = _client_pki(tmp_path / "other", b"p")  # another CA's
    stranger = openbao.gateway(
        user, **{**settings, "client_cert": other_cert, "client_key": other_key}
    )
    refused = _code(lambda: stranger.login(Secret("p")))  # a certificate no role trusts
    assert refused.code == "vault.bad_credentials", refused.message
