"""Vault auth methods: one class per method, listed once in core/registry.py.

A method says what it needs from the config, how the operator's credential is labelled on the
Vault page, and how it logs in. Each returns Vault's `auth` block (policies, lease_duration,
renewable, accessor); the gateway (core/vault.py) keeps the token and its lease.

Adding a method (docs/architecture.md, "Seams"): a class here with `name`, `needs`, `label` and
`login`, and one line in `registry.VAULT_AUTH_METHODS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

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


class AuthMethod:
    name: ClassVar[str]
    label: ClassVar[str]  # the credential field's caption on the Vault page (with mnemonic)
    needs: ClassVar[tuple[str, ...]] = ()  # vault.* keys this method requires

    def config_problems(self, config: VaultConfig) -> list[tuple[str, str]]:
        """(key, problem) for each required setting that is missing."""
        return [
            (key, f"is required for auth_method = {self.name}")
            for key in self.needs
            if not getattr(config, key)
        ]

    def login(self, at: Login, credential: Secret) -> dict[str, Any]:
        raise NotImplementedError


def _auth(result: Any) -> dict[str, Any]:
    return dict(result["auth"])


class _UsernamePassword(AuthMethod):
    """A configured user name and a typed password, sent to the method's login endpoint."""

    needs = ("username",)

    def backend(self, client: hvac.Client) -> Any:
        raise NotImplementedError

    def login(self, at: Login, credential: Secret) -> dict[str, Any]:
        backend = self.backend(at.client)
        return _auth(
            at.call(
                lambda: backend.login(
                    username=at.config.username,
                    password=credential.reveal(),
                    mount_point=at.config.mount_for_auth,
                )
            )
        )


class Userpass(_UsernamePassword):
    name = "userpass"
    label = "Vault &password"

    def backend(self, client: hvac.Client) -> Any:
        return client.auth.userpass


class Ldap(_UsernamePassword):
    """LDAP may be down in the very outage that calls for break glass: prefer userpass or cert."""

    name = "ldap"
    label = "LDAP &password"

    def backend(self, client: hvac.Client) -> Any:
        return client.auth.ldap


class AppRole(AuthMethod):
    name = "approle"
    label = "AppRole s&ecret ID"
    needs = ("role_id",)

    def login(self, at: Login, credential: Secret) -> dict[str, Any]:
        return _auth(
            at.call(
                lambda: at.client.auth.approle.login(
                    role_id=at.config.role_id,
                    secret_id=credential.reveal(),
                    mount_point=at.config.mount_for_auth,
                )
            )
        )


class TokenAuth(AuthMethod):
    """A token typed in: looked up, not exchanged."""

    name = "token"
    label = "Vault &token"

    def login(self, at: Login, credential: Secret) -> dict[str, Any]:
        at.client.token = credential.reveal()
        data = at.call(at.client.auth.token.lookup_self)["data"]
        return {
            "policies": data.get("policies", []),
            "lease_duration": data.get("ttl", 0),
            "renewable": data.get("renewable"),
            "accessor": data.get("accessor", ""),
        }


class CertAuth(AuthMethod):
    """TLS certificate login: the operator's key is decrypted with the typed passphrase into a
    TLS context used for this one request, then dropped (the token does the rest)."""

    name = "cert"
    label = "Client key &passphrase"
    needs = ("client_cert", "client_key")

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
            return _auth(at.call(lambda: at.client.adapter.login(path, json=body)))
        finally:
            session.mount(config.address, HTTPAdapter())  # the decrypted key leaves with it


def _client_cert_adapter(context: Any) -> Any:
    from requests.adapters import HTTPAdapter

    class ClientCertAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            kwargs["ssl_context"] = context
            super().init_poolmanager(*args, **kwargs)

    return ClientCertAdapter()
