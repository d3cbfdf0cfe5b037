"""A local stand-in for the AWS federation endpoint (`/federation`, `/oauth?Action=logout`).

It behaves as the real one does for the calls the app makes: `getSigninToken` checks the
session JSON and the `SessionDuration` range and returns a sign-in token; `login` with a known
token redirects to the destination; `logout` redirects to `redirect_uri`.
"""

from __future__ import annotations

import json
import secrets
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from breakglass_gui.drill.serving import serve_in_thread


class FederationStandIn:
    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None
    ) -> None:
        self.tokens: dict[str, dict[str, Any]] = {}
        self.requests: list[str] = []
        self.fail_next: int | None = None  # HTTP status to answer once, e.g. 400
        self.delay_seconds = 0.0  # tests slow the endpoints down (GUI heartbeat, docs/rules.md §13)
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # drill/serving.py: answers leave at once

            def do_GET(self) -> None:
                stand_in.handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return  # request lines contain bearer tokens: never log them

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._scheme = "http"
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self._scheme = "https"
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{self._scheme}://{host!s}:{port}"

    def start(self) -> FederationStandIn:
        self._thread = serve_in_thread(self._server, "federation")
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        """Answer one request (the server's handler class hands each one here)."""
        if self.delay_seconds:
            threading.Event().wait(self.delay_seconds)
        parts = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        action = query.get("Action", "")
        self.requests.append(action)
        if self.fail_next is not None:
            status, self.fail_next = self.fail_next, None
            self._reply(handler, status, {"error": "stand-in failure"})
            return
        if parts.path == "/federation" and action == "getSigninToken":
            self._signin_token(handler, query)
        elif parts.path == "/federation" and action == "login":
            token = query.get("SigninToken", "")
            if token not in self.tokens:
                self._reply(handler, 400, {"error": "invalid sign-in token"})
                return
            self.tokens[token]["used"] = True
            self._redirect(handler, query.get("Destination", "/"))
        elif parts.path == "/oauth" and action == "logout":
            self._redirect(handler, query.get("redirect_uri", "/"))
        else:
            self._reply(handler, 404, {"error": "not found"})

    def _signin_token(self, handler: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        try:
            session = json.loads(query.get("Session", ""))
            ok = all(
                isinstance(session.get(k), str) and session[k]
                for k in ("sessionId", "sessionKey", "sessionToken")
            )
        except ValueError:
            ok = False
        duration = query.get("SessionDuration")
        if duration is not None and not (duration.isdigit() and 900 <= int(duration) <= 43200):
            ok = False
        if not ok:
            self._reply(handler, 400, {"error": "invalid session"})
            return
        token = secrets.token_urlsafe(96)
        self.tokens[token] = {
            "session_id": session["sessionId"],
            "duration": duration,
            "used": False,
        }
        self._reply(handler, 200, {"SigninToken": token})

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    @staticmethod
    def _redirect(handler: BaseHTTPRequestHandler, location: str) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
