"""Vault auth methods: one class per method, listed once in core/registry.py.

A method says what it needs from the config, how the operator's credential is labelled on the
Vault page, and how it logs in. Each returns Vault's `auth` block (policies, lease_duration,
renewable, accessor); the gateway (core/vault.py) keeps the token and its lease.

Adding a method (docs/architecture.md, "Seams"): a class here with `name`, `label`, `needs` and
`login` (the `AuthMethod` protocol), and one line in `registry.VAULT_AUTH_METHODS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from breakglass_gui.core.secret import Secret
from breakglass_gui.core.vault_errors import vault_error

if TYPE_CHECKING:
    import hvac

    from breakglass_gui.core.config.model import VaultConfig

Call = Callable[[Callable[[], Any]], Any]


@dataclass(frozen=True)
class Login:
    """What a method logs in with: the gateway's client, the config, the gateway's call
    wrapper (classifies errors, keeps Vault's request ids) and the CA file it trusts."""

    client: hvac.Client
    config: VaultConfig
    call: Call
    ca_file: str | None
    username: str | None = None  # the operator's own Vault login, else vault.username

    @property
    def user(self) -> str | None:
        return self.username or self.config.username


class AuthMethod(Protocol):
    name: str
    label: str  # the credential field's caption on the Vault page (with mnemonic)
    needs: tuple[str, ...]  # vault.* keys this method requires

    def login(self, at: Login, credential: Secret) -> dict[str, Any]: ...


def missing_settings(method: AuthMethod, config: VaultConfig) -> list[tuple[str, str]]:
    """(key, problem) for each setting the method requires that the config leaves out."""
    return [
        (key, f"is required for auth_method = {method.name}")
        for key in method.needs
        if not getattr(config, key)
    ]


def _login(at: Login, backend: Any, **fields: Any) -> dict[str, Any]:
    """One call to a method's login endpoint at its configured mount; Vault's `auth` block."""
    result = at.call(lambda: backend.login(mount_point=at.config.mount_for_auth, **fields))
    return dict(result["auth"])


class Userpass:
    name = "userpass"
    label = "Vault &password"
    needs: tuple[str, ...] = ("username",)

    def login(self, at: Login, credential: Secret) -> dict[str, Any]:
        auth = at.client.auth.userpass
        return _login(at, auth, username=at.user, password=credential.reveal())


class Ldap:
    """LDAP may be down in the very outage that calls for break glass: prefer userpass or cert."""

    name = "ldap"
    label = "LDAP &password"
    needs: tuple[str, ...] = ("username",)

    def login(self, at: Login, credential: Secret) -> dict[str, Any]:
        auth = at.client.auth.ldap
        return _login(at, auth, username=at.user, password=credential.reveal())


class AppRole:
    name = "approle"
    label = "AppRole s&ecret ID"
    needs: tuple[str, ...] = ("role_id",)

    def login(self, at: Login, credential: Secret) -> dict[str, Any]:
        auth = at.client.auth.approle
        return _login(at, auth, role_id=at.config.role_id, secret_id=credential.reveal())


class TokenAuth:
    """A token typed in: looked up, not exchanged."""

    name = "token"
    label = "Vault &token"
    needs: tuple[str, ...] = ()

    def login(self, at: Login, credential: Secret) -> dict[str, Any]:
        at.client.token = credential.reveal()
        data = at.call(at.client.auth.token.lookup_self)["data"]
        return {
            "policies": data.get("policies", []),
            "lease_duration": data.get("ttl", 0),
            "renewable": data.get("renewable"),
            "accessor": data.get("accessor", ""),
        }


class CertAuth:
    """TLS certificate login: the operator's key is decrypted with the typed passphrase into a
    TLS context used for this one request, then dropped (the token does the rest)."""

    name = "cert"
    label = "Client key &passphrase"
    needs: tuple[str, ...] = ("client_cert", "client_key")

    def login(self, at: Login, credential: Secret) -> dict[str, Any]:
        import ssl

        from requests.adapters import HTTPAdapter

        config = at.config
        assert config.client_cert and config.client_key  # `needs` makes the config name both
        context = ssl.create_default_context(cafile=at.ca_file)
        try:
            context.load_cert_chain(
                config.client_cert, config.client_key, password=credential.reveal()
            )
        except (ssl.SSLError, ValueError):
            raise vault_error(
                "bad_credentials", "the client key's passphrase is wrong or the key unreadable"
            ) from None
        session = at.client.adapter.session
        session.mount(config.address, _client_cert_adapter(context))
        try:
            body = {"name": config.cert_role} if config.cert_role else {}
            path = f"/v1/auth/{config.mount_for_auth}/login"
            return dict(at.call(lambda: at.client.adapter.login(path, json=body))["auth"])
        finally:
            session.mount(config.address, HTTPAdapter())  # the decrypted key leaves with it


def _client_cert_adapter(context: Any) -> Any:
    from requests.adapters import HTTPAdapter

    class ClientCertAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            kwargs["ssl_context"] = context
            super().init_poolmanager(*args, **kwargs)

    return ClientCertAdapter()
