"""Recorded Vault responses served to unmodified hvac through a `requests` adapter.

The bodies are the fixtures in tests/fixtures/vault (shapes from Vault's API docs); this module
only fills in what changes during an incident and keeps the little state that needs: the seal
progress, issued tokens and the KV v2 versions. Faults are injected per path.
"""

from __future__ import annotations

import copy
import io
import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vault"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


ERRORS = fixture("errors.json")


class RecordedVault(BaseAdapter):
    def __init__(
        self,
        *,
        users: dict[str, dict[str, str]],
        password: str = "drill-vault-pass",  # noqa: S107 - a test double's password
        sealed: bool = False,
        unseal_keys: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.password = password
        self.sealed = sealed
        self.unseal_keys = unseal_keys or [
            f"unseal-share-{i}-{secrets.token_hex(8)}" for i in range(5)
        ]
        self.threshold = 3
        self.progress: list[str] = []
        self.initialized = True
        self.tokens: set[str] = set()
        self.issued: list[str] = []
        self.root_token = "hvs." + secrets.token_urlsafe(40)
        self.kv: dict[str, list[dict[str, Any]]] = {
            f"breakglass/users/{name}": [dict(data)] for name, data in users.items()
        }
        self.faults: dict[str, Any] = {}  # path prefix → "unreachable" | error name | callable
        self.requests: list[tuple[str, str]] = []

    # ----- helpers for tests ----------------------------------------------------------------

    def session(self) -> requests.Session:
        session = requests.Session()
        session.mount("https://vault.test", self)
        session.mount("https://127.0.0.1", self)
        return session

    def current(self, user: str) -> dict[str, Any]:
        return self.kv[f"breakglass/users/{user}"][-1]

    def version(self, user: str) -> int:
        return len(self.kv[f"breakglass/users/{user}"])

    def expire_tokens(self) -> None:
        self.tokens.clear()

    # ----- the adapter ------------------------------------------------------------------------

    def close(self) -> None:
        pass

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        path = urlsplit(request.url or "").path
        method = request.method or "GET"
        self.requests.append((method, path))
        for prefix, fault in list(self.faults.items()):
            if path.startswith(prefix):
                outcome = fault(method) if callable(fault) else fault
                if outcome == "unreachable":
                    raise requests.exceptions.ConnectionError("connection refused")
                if outcome == "tls":
                    raise requests.exceptions.SSLError("certificate verify failed")
                if outcome:
                    return self._error(request, outcome)
        body = json.loads(request.body) if request.body else {}
        token = request.headers.get("X-Vault-Token", "")
        status, payload = self._route(method, path, body, token)
        return self._response(request, status, payload)

    def _route(self, method: str, path: str, body: dict[str, Any], token: str) -> tuple[int, Any]:
        if path == "/v1/sys/health":
            health = fixture("health.json")
            health.update(initialized=self.initialized, sealed=self.sealed)
            code = 501 if not self.initialized else 503 if self.sealed else 200
            return code, health
        if path == "/v1/sys/seal-status":
            return 200, self._seal_status()
        if path == "/v1/sys/unseal" and method in ("PUT", "POST"):
            key = body.get("key", "")
            if key not in self.unseal_keys:
                return 400, {"errors": ["Unseal failed, invalid key"]}
            if key not in self.progress:
                self.progress.append(key)
            if len(self.progress) >= self.threshold:
                self.sealed = False
                self.progress = []
            return 200, self._seal_status()
        if not self.initialized:
            return tuple(ERRORS["not_initialized"])  # type: ignore[return-value]
        if self.sealed:
            return tuple(ERRORS["sealed"])  # type: ignore[return-value]
        if path.startswith(
            ("/v1/auth/userpass/login/", "/v1/auth/ldap/login/", "/v1/auth/approle/login")
        ):
            secret = body.get("secret_id") if "approle" in path else body.get("password")
            if secret != self.password:
                return tuple(ERRORS["bad_login"])  # type: ignore[return-value]
            response = fixture("userpass_login.json")
            token = "hvs." + secrets.token_urlsafe(66)[:90]
            self.tokens.add(token)
            self.issued.append(token)
            response["auth"]["client_token"] = token
            response["auth"]["accessor"] = secrets.token_urlsafe(18)
            return 200, response
        if token not in self.tokens:
            if path == "/v1/auth/token/lookup-self" and token == self.root_token:
                self.tokens.add(token)
            else:
                return tuple(ERRORS["permission_denied"])  # type: ignore[return-value]
        if token not in self.tokens:
            return tuple(ERRORS["permission_denied"])  # type: ignore[return-value]
        if path == "/v1/auth/token/lookup-self":
            response = fixture("lookup_self.json")
            response["data"]["id"] = token
            return 200, response
        if path == "/v1/auth/token/revoke-self":
            self.tokens.discard(token)
            return 204, None
        if path.startswith("/v1/secret/data/"):
            key = path[len("/v1/secret/data/") :]
            if method == "GET":
                if key not in self.kv:
                    return tuple(ERRORS["missing"])  # type: ignore[return-value]
                response = fixture("kv2_read.json")
                response["data"]["data"] = copy.deepcopy(self.kv[key][-1])
                response["data"]["metadata"]["version"] = len(self.kv[key])
                return 200, response
            cas = body.get("options", {}).get("cas")
            current = len(self.kv.get(key, []))
            if cas is not None and cas != current:
                return tuple(ERRORS["cas_mismatch"])  # type: ignore[return-value]
            self.kv.setdefault(key, []).append(dict(body["data"]))
            response = fixture("kv2_write.json")
            response["data"]["version"] = len(self.kv[key])
            return 200, response
        return 404, {"errors": []}

    def _seal_status(self) -> dict[str, Any]:
        status = fixture("seal_status.json")
        status.update(
            sealed=self.sealed,
            initialized=self.initialized,
            t=self.threshold,
            n=len(self.unseal_keys),
            progress=len(self.progress),
        )
        return status

    def _error(self, request: requests.PreparedRequest, name: str) -> requests.Response:
        status, body = ERRORS[name]
        return self._response(request, status, body)

    @staticmethod
    def _response(
        request: requests.PreparedRequest, status: int, payload: Any
    ) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response.request = request
        response.url = request.url or ""
        response.headers["Content-Type"] = "application/json"
        response.raw = io.BytesIO(b"" if payload is None else json.dumps(payload).encode())
        response.encoding = "utf-8"
        return response
