"""A real OpenBao server for the tests (issue 17.4): one per test session and xdist worker.

Every Vault fault the gateway tests meet comes from this server, not from a simulation:
sealing, unseal shares, ACL policies, token TTLs, check-and-set, namespaces, AppRole. Tests
share it, so each writes its own record (`record()`) and a test that seals it unseals it again
(`sealed()`).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from breakglass_gui.core.config import VaultConfig
from breakglass_gui.core.registry import vault_gateway
from breakglass_gui.core.vault import VaultGateway
from breakglass_gui.drill.openbao import OpenBaoServer
from breakglass_gui.drill.tls import DrillTls

PASSWORD = "operator-password-for-the-test-openbao"
OPERATOR = "breakglass"


def record_for(user: str) -> dict[str, str]:
    """A complete §8 record (invented values: no AWS account ever saw them)."""
    return {
        "username": user,
        "account_id": "123456789012",
        "mfa_serial": f"arn:aws:iam::123456789012:mfa/{user}",
        "access_key_id": "AKIAEXAMPLEINVENTED0",
        "secret_access_key": "s" * 40,
        "console_password": "Invented-Console-Pass-1!",
    }


def vault_config(server: OpenBaoServer, user: str = "bg1", **overrides: Any) -> VaultConfig:
    """The app's Vault settings for this server: the operator's userpass login, one user."""
    fields: dict[str, Any] = {
        "address": server.address,
        "ca_bundle": server.ca_file,
        "auth_method": "userpass",
        "username": OPERATOR,
        "users": (user,),
        "default_user": user,
        "timeout_seconds": 5,
    }
    fields.update(overrides)
    return VaultConfig(**fields)


@dataclass
class Bao:
    server: OpenBaoServer
    tls: DrillTls

    def record(self, fields: dict[str, Any] | None = None) -> str:
        """A fresh break-glass user with its record in KV v2; returns the user name."""
        user = f"bg-{uuid.uuid4().hex[:10]}"
        self.server.put(f"breakglass/users/{user}", fields or record_for(user))
        return user

    def config(self, user: str = "bg1", **overrides: Any) -> VaultConfig:
        return vault_config(self.server, user, **overrides)

    def gateway(self, user: str = "bg1", **overrides: Any) -> VaultGateway:
        return vault_gateway(self.config(user, **overrides))

    @contextlib.contextmanager
    def sealed(self) -> Iterator[OpenBaoServer]:
        self.server.seal()
        try:
            yield self.server
        finally:
            if self.server.sealed:
                self.server.unseal()


@pytest.fixture(scope="session")
def openbao() -> Iterator[Bao]:
    tls = DrillTls.create()
    server = OpenBaoServer.launch(tls).ready()
    try:
        server.initialise()
        server.configure({OPERATOR: PASSWORD})
        yield Bao(server, tls)
    finally:
        server.stop()
        tls.remove()
