"""A Vault-compatible HTTP service for drills, following Vault's documented HTTP API.

Implemented: `sys/health`, `sys/seal-status`, `sys/unseal` (key shares, threshold, progress,
reset), userpass login, token `lookup-self`/`lookup`/`revoke-self`/`revoke`, and the KV v2
engine at `secret/` (`data/` read and write with versions and check-and-set, `metadata/` read).
Responses use Vault's envelope and error bodies (`{"errors": [...]}`) and status codes, so hvac
and the app talk to it unchanged. It is a drill aid: state lives in memory, nothing persists.
"""

from __future__ import annotations

import json
import secrets
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from breakglass_gui.drill.serving import serve_in_thread

TOKEN_TTL = 3600
VERSION = "1.17.2"


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return  # no request log: paths are harmless, but a drill must not spam the terminal


def _now_iso() -> str:
    return datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class _Token:
    policies: list[str]
    username: str
    issued: float
    accessor: str = field(default_factory=lambda: secrets.token_urlsafe(18))

    def ttl(self) -> int:
        return max(0, int(self.issued + TOKEN_TTL - time.time()))


@dataclass
class _Version:
    data: dict[str, Any]
    created: str


class VaultService:
    """State and routing; `serve()` puts it on 127.0.0.1 with a free port."""

    def __init__(
        self, *, users: dict[str, str], shares: int = 5, threshold: int = 3, sealed: bool = False
    ) -> None:
        self._lock = threading.Lock()
        self.users = dict(users)  # userpass: username → password
        self.unseal_keys = [secrets.token_hex(32) for _ in range(shares)]
        self.threshold = threshold
        self.sealed = sealed
        self._progress: list[str] = []
        self._nonce = str(uuid.uuid4()) if sealed else ""
        self.tokens: dict[str, _Token] = {}
        self.issued: list[str] = []  # every token ever issued (drill secret scans)
        self.kv: dict[str, list[_Version]] = {}
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.delay_seconds = 0.0  # tests slow the endpoints down (GUI heartbeat, SPEC §13)
        self.on_unsealed: Callable[[], None] | None = None  # the drill panel hides the shares

    # ----- serving --------------------------------------------------------------------------

    def serve(self, tls: ssl.SSLContext | None = None) -> str:
        self._server = make_server(
            "127.0.0.1",
            0,
            self.wsgi,
            threaded=True,
            request_handler=_QuietHandler,
            ssl_context=tls,
        )
        self._thread = serve_in_thread(self._server, "drill-vault")
        host, port = self._server.server_address[:2]
        return f"{'https' if tls else 'http'}://{host!s}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # ----- drill set-up ---------------------------------------------------------------------

    def put(self, path: str, data: dict[str, Any]) -> int:
        with self._lock:
            versions = self.kv.setdefault(path, [])
            versions.append(_Version(dict(data), _now_iso()))
            return len(versions)

    def current(self, path: str) -> dict[str, Any]:
        with self._lock:
            return dict(self.kv[path][-1].data)

    # ----- WSGI -----------------------------------------------------------------------------

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.delay_seconds:
            threading.Event().wait(self.delay_seconds)
        request = Request(environ)
        body = request.get_json(silent=True) or {}
        status, payload = self._route(request, body if isinstance(body, dict) else {})
        if payload is None:
            response = Response(status=status)
        else:
            response = Response(json.dumps(payload), status=status, content_type="application/json")
        response.headers["Cache-Control"] = "no-store"
        return response(environ, start_response)

    def _route(self, request: Request, body: dict[str, Any]) -> tuple[int, Any]:
        path = request.path.rstrip("/")
        method = request.method
        with self._lock:
            if path == "/v1/sys/health":
                return self._health()
            if path == "/v1/sys/seal-status":
                return 200, self._seal_status()
            if path == "/v1/sys/unseal" and method in ("PUT", "POST"):
                return self._unseal(body)
            if self.sealed:
                return 503, {"errors": ["Vault is sealed"]}
            if path.startswith("/v1/auth/userpass/login/") and method in ("PUT", "POST"):
                return self._login(path.rsplit("/", 1)[1], body)
            token = self.tokens.get(request.headers.get("X-Vault-Token", ""))
            if token is None or token.ttl() == 0:
                return 403, {"errors": ["permission denied"]}
            raw_token = request.headers.get("X-Vault-Token", "")
            if path == "/v1/auth/token/lookup-self":
                return 200, self._envelope(data=self._lookup(raw_token, token))
            if path == "/v1/auth/token/lookup" and method in ("PUT", "POST"):
                other = self.tokens.get(str(body.get("token", "")))
                if other is None:
                    return 403, {"errors": ["bad token"]}
                return 200, self._envelope(data=self._lookup(str(body["token"]), other))
            if path == "/v1/auth/token/revoke-self" and method in ("PUT", "POST"):
                self.tokens.pop(raw_token, None)
                return 204, None
            if path == "/v1/auth/token/revoke" and method in ("PUT", "POST"):
                self.tokens.pop(str(body.get("token", "")), None)
                return 204, None
            if path.startswith("/v1/secret/data/"):
                key = path[len("/v1/secret/data/") :]
                if method == "GET":
                    return self._read(key, request.args.get("version"))
                if method in ("PUT", "POST"):
                    return self._write(key, body)
            if path.startswith("/v1/secret/metadata/") and method == "GET":
                return self._metadata(path[len("/v1/secret/metadata/") :])
            return 404, {"errors": []}

    # ----- handlers -------------------------------------------------------------------------

    @staticmethod
    def _envelope(*, data: Any = None, auth: Any = None, mount_type: str = "") -> dict[str, Any]:
        return {
            "request_id": str(uuid.uuid4()),
            "lease_id": "",
            "renewable": False,
            "lease_duration": 0,
            "data": data,
            "wrap_info": None,
            "warnings": None,
            "auth": auth,
            "mount_type": mount_type,
        }

    def _health(self) -> tuple[int, dict[str, Any]]:
        body = {
            "initialized": True,
            "sealed": self.sealed,
            "standby": False,
            "performance_standby": False,
            "replication_performance_mode": "disabled",
            "replication_dr_mode": "disabled",
            "server_time_utc": int(time.time()),
            "version": VERSION,
            "enterprise": False,
            "cluster_name": "vault-cluster-drill",
            "cluster_id": "6f1e5c2a-drill-0000-0000-000000000000",
            "echo_duration_ms": 0,
            "clock_skew_ms": 0,
        }
        return (503 if self.sealed else 200), body

    def _seal_status(self) -> dict[str, Any]:
        return {
            "type": "shamir",
            "initialized": True,
            "sealed": self.sealed,
            "t": self.threshold,
            "n": len(self.unseal_keys),
            "progress": len(self._progress),
            "nonce": self._nonce,
            "version": VERSION,
            "build_date": "2024-07-05T15:19:12Z",
            "migration": False,
            "recovery_seal": False,
            "storage_type": "inmem",
        }

    def _unseal(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if body.get("reset"):
            self._progress = []
            return 200, self._seal_status()
        key = body.get("key")
        if not isinstance(key, str) or not key:
            return 400, {
                "errors": [
                    "'key' must be specified in request body as JSON, or 'reset' set to true"
                ]
            }
        if not self.sealed:
            return 200, self._seal_status()
        if key not in self.unseal_keys:
            return 400, {"errors": ["Unseal failed, invalid key"]}
        if key not in self._progress:
            self._progress.append(key)
        if len(self._progress) >= self.threshold:
            self.sealed = False
            self._progress = []
            self._nonce = ""
            if self.on_unsealed is not None:
                self.on_unsealed()
        return 200, self._seal_status()

    def _login(self, username: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.users.get(username) is None or body.get("password") != self.users[username]:
            return 400, {"errors": ["invalid username or password"]}
        token = "hvs." + secrets.token_urlsafe(68)[:90]
        policies = ["breakglass-read", "breakglass-rotate", "default"]
        self.tokens[token] = _Token(policies, username, time.time())
        self.issued.append(token)
        auth = {
            "client_token": token,
            "accessor": self.tokens[token].accessor,
            "policies": policies,
            "token_policies": policies,
            "metadata": {"username": username},
            "lease_duration": TOKEN_TTL,
            "renewable": True,
            "entity_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, username)),
            "token_type": "service",
            "orphan": True,
            "mfa_requirement": None,
            "num_uses": 0,
        }
        return 200, self._envelope(data={}, auth=auth, mount_type="userpass")

    def _lookup(self, raw: str, token: _Token) -> dict[str, Any]:
        issued = datetime.fromtimestamp(token.issued, tz=UTC)
        return {
            "accessor": token.accessor,
            "creation_time": int(token.issued),
            "creation_ttl": TOKEN_TTL,
            "display_name": f"userpass-{token.username}",
            "entity_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, token.username)),
            "expire_time": datetime.fromtimestamp(token.issued + TOKEN_TTL, tz=UTC).isoformat(),
            "explicit_max_ttl": 0,
            "id": raw,
            "issue_time": issued.isoformat(),
            "meta": {"username": token.username},
            "num_uses": 0,
            "orphan": True,
            "path": f"auth/userpass/login/{token.username}",
            "policies": token.policies,
            "renewable": True,
            "ttl": token.ttl(),
            "type": "service",
        }

    @staticmethod
    def _version_metadata(version: _Version, number: int) -> dict[str, Any]:
        return {
            "created_time": version.created,
            "custom_metadata": None,
            "deletion_time": "",
            "destroyed": False,
            "version": number,
        }

    def _read(self, key: str, version: str | None) -> tuple[int, dict[str, Any]]:
        versions = self.kv.get(key)
        if not versions:
            return 404, {"errors": []}
        number = (
            int(version) if version and version.isdigit() and int(version) > 0 else len(versions)
        )
        if number > len(versions):
            return 404, {"errors": []}
        chosen = versions[number - 1]
        data = {"data": dict(chosen.data), "metadata": self._version_metadata(chosen, number)}
        return 200, self._envelope(data=data, mount_type="kv")

    def _write(self, key: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        data = body.get("data")
        if not isinstance(data, dict):
            return 400, {"errors": ["no data provided"]}
        options = body.get("options") or {}
        cas = options.get("cas") if isinstance(options, dict) else None
        versions = self.kv.setdefault(key, [])
        if cas is not None and cas != len(versions):
            return 400, {"errors": ["check-and-set parameter did not match the current version"]}
        versions.append(_Version(dict(data), _now_iso()))
        return 200, self._envelope(
            data=self._version_metadata(versions[-1], len(versions)), mount_type="kv"
        )

    def _metadata(self, key: str) -> tuple[int, dict[str, Any]]:
        versions = self.kv.get(key)
        if not versions:
            return 404, {"errors": []}
        data = {
            "cas_required": False,
            "created_time": versions[0].created,
            "current_version": len(versions),
            "custom_metadata": None,
            "delete_version_after": "0s",
            "max_versions": 0,
            "oldest_version": 1,
            "updated_time": versions[-1].created,
            "versions": {
                str(i + 1): self._version_metadata(v, i + 1) for i, v in enumerate(versions)
            },
        }
        return 200, self._envelope(data=data, mount_type="kv")
