"""A World's Vault: its own namespace on the session's real OpenBao server (tests/fakes/openbao.py).

Each World gets a fresh namespace set up as an organisation would set up Vault (KV v2 with
`cas_required`, userpass, the shipped operator policy, the operator, the break-glass records),
so KV versions, tokens and policies never leak between tests, and every Vault rule the
procedure meets is the server's.

Faults (`faults`: a path prefix → a fault name, or a function of the HTTP method giving one)
are *provoked on the real server* just before the matching request is sent, so the answer is
OpenBao's own: `sealed` seals it (unsealed again after the answer), `permission_denied`
swaps the operator's policy for one without the KV paths (restored after), `cas_mismatch`
writes the record concurrently. Only `unreachable` is the network's: the request never leaves.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from breakglass_gui.core.resources import resource_path
from breakglass_gui.drill.openbao import OPERATOR_POLICY, OpenBaoServer, enable_kv_v2
from tests.fakes.openbao import Bao

Fault = str | Callable[[str], str | None]
TOKEN_ONLY = 'path "auth/token/*" { capabilities = ["read", "update"] }\n'


class _Provoking(HTTPAdapter):
    def __init__(self, vault: WorldVault) -> None:
        super().__init__()
        self.vault = vault

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        path = urlsplit(request.url or "").path
        method = str(request.method)
        self.vault.requests.append((method, path))
        fault = self.vault.fault_for(path, method)
        if fault == "unreachable":
            raise requests.exceptions.ConnectionError(f"connection refused (test): {path}")
        if self.vault.elsewhere is not None:
            request.url = (request.url or "").replace(
                self.vault.server.address, self.vault.elsewhere.address, 1
            )
        with self.vault.provoked(fault):
            return super().send(request, **kwargs)


class WorldVault:
    def __init__(self, bao: Bao, password: str, records: dict[str, dict[str, str]]) -> None:
        self.bao = bao
        self.server: OpenBaoServer = bao.server
        self.namespace = f"w{uuid.uuid4().hex[:10]}"
        self.password = password
        self.faults: dict[str, Fault] = {}
        self.requests: list[tuple[str, str]] = []
        self.elsewhere: OpenBaoServer | None = None
        root = self.server.client(self.server.root_token)
        root.sys.create_namespace(self.namespace)
        admin = self.admin()
        enable_kv_v2(admin, "secret")
        admin.sys.enable_auth_method("userpass")
        self.policy = resource_path("vault", f"{OPERATOR_POLICY}.hcl").read_text()
        admin.sys.create_or_update_policy(name=OPERATOR_POLICY, policy=self.policy)
        admin.auth.userpass.create_or_update_user(
            username="breakglass",
            password=password,
            token_policies=[OPERATOR_POLICY],
            token_no_default_policy=True,
            token_ttl="30m",
            token_max_ttl="12h",
        )
        for user, record in records.items():
            self.put(user, record)

    # ----- what the World's config and deps use -------------------------------------------

    @property
    def address(self) -> str:
        return self.server.address

    @property
    def ca_file(self) -> str:
        return self.server.ca_file

    def session(self) -> requests.Session:
        session = requests.Session()
        session.verify = self.ca_file
        session.mount("https://", _Provoking(self))
        return session

    def admin(self) -> Any:
        """The Vault team's root client inside this world's namespace (kept alive)."""
        return self.server.client(self.server.root_token, self.namespace)

    # ----- the records and tokens, as the Vault team would see them ---------------------------

    def current(self, user: str) -> dict[str, Any]:
        kv = self.admin().secrets.kv.v2
        return dict(
            kv.read_secret_version(path=f"breakglass/users/{user}", raise_on_deleted_version=True)[
                "data"
            ]["data"]
        )

    def put(self, user: str, record: dict[str, Any]) -> int:
        kv = self.admin().secrets.kv.v2
        path = f"breakglass/users/{user}"
        try:
            current = int(kv.read_secret_metadata(path=path)["data"]["current_version"])
        except Exception:
            current = 0
        return int(
            kv.create_or_update_secret(path=path, secret=record, cas=current)["data"]["version"]
        )

    @property
    def tokens(self) -> set[str]:
        """Accessors of the operator's unexpired tokens in this namespace."""
        admin = self.admin()
        try:
            accessors = admin.auth.token.list_accessors()["data"]["keys"]
        except Exception:
            return set()
        live = set()
        for accessor in accessors:
            with contextlib.suppress(Exception):
                data = admin.auth.token.lookup_accessor(accessor)["data"]
                if (data.get("meta") or {}).get("username") == "breakglass":
                    live.add(str(accessor))
        return live

    @property
    def issued(self) -> set[str]:
        """Every token OpenBao handed out (its audit stream): secrets to scan for."""
        return self.server.tap.tokens()

    def expire_tokens(self) -> None:
        """The operator's tokens end (a TTL ran out): revoked by accessor, as Vault would."""
        admin = self.admin()
        for accessor in self.tokens:
            admin.auth.token.revoke_accessor(accessor)

    def seal(self) -> None:
        self.server.seal()

    @property
    def sealed(self) -> bool:
        return self.server.sealed

    @property
    def unseal_keys(self) -> list[str]:
        return self.server.unseal_keys

    @property
    def threshold(self) -> int:
        return self.server.threshold

    @contextlib.contextmanager
    def uninitialised(self) -> Iterator[None]:
        """Requests go to a fresh OpenBao that was never initialised, until the block ends."""
        other = OpenBaoServer.launch(self.bao.tls).ready()
        self.elsewhere = other
        try:
            yield
        finally:
            self.elsewhere = None
            other.stop()

    # ----- faults --------------------------------------------------------------------------

    def fault_for(self, path: str, method: str) -> str | None:
        for prefix, fault in self.faults.items():
            if path.startswith(prefix):
                return fault(method) if callable(fault) else fault
        return None

    @contextlib.contextmanager
    def provoked(self, fault: str | None) -> Iterator[None]:
        if fault is None:
            yield
            return
        admin = self.admin()
        if fault == "sealed":
            self.server.seal()
            try:
                yield
            finally:
                self.server.unseal()
        elif fault == "permission_denied":
            admin.sys.create_or_update_policy(name=OPERATOR_POLICY, policy=TOKEN_ONLY)
            try:
                yield
            finally:
                admin.sys.create_or_update_policy(name=OPERATOR_POLICY, policy=self.policy)
        elif fault == "cas_mismatch":
            for user in self._users():
                self.put(user, {**self.current(user), "rotated_for": "someone else"})
            yield
        else:
            raise AssertionError(f"no such Vault fault: {fault}")

    def _users(self) -> list[str]:
        listed = self.admin().secrets.kv.v2.list_secrets(path="breakglass/users")
        return [str(k) for k in listed["data"]["keys"]]
