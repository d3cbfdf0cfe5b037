"""The drill's AWS endpoint keeps its HTTPS connections open between requests, as AWS does.

werkzeug's development server answers every request with `Connection: close` (http.server
cannot skip a body the application left unread, so the next request line would be read from
the middle of it). Each AWS call of a drill then paid for a new TCP connection, a new TLS
handshake on both ends and a new server thread: 200 calls of one client made 200 handshakes.

Here the connection stays open when that is safe: an HTTP/1.1 request with a `Content-Length`
body (or none), not asking to close, answered with a `Content-Length`. While the request is
served, the connection's reader is the body alone: werkzeug reads off whatever of it the
application left (until the socket is quiet, its comment says, which with keep-alive would
have read the next request too) and can never read past it. Anything else (a chunked request
or answer, an error before the answer began) closes as before. The server remembers its open
connections: `close_connections()` ends them when the drill stops, and the server's
`server_close()` then joins every handler thread (drill/aws_server.py makes them joinable):
none outlives the world (tests/drill/test_keep_alive.py, test_lifecycle.py).
"""

from __future__ import annotations

import contextlib
import io
import socket
from typing import Any


class _Body(io.RawIOBase):
    """The request's body as the application reads it: at most `Content-Length` bytes."""

    def __init__(self, stream: Any, length: int) -> None:
        self._stream = stream
        self.left = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = min(len(buffer), self.left)
        if size <= 0:
            return 0
        data = self._stream.read(size)
        buffer[: len(data)] = data
        self.left -= len(data)
        return len(data)


def keep_alive_handler(base: Any) -> Any:
    """`base` (a werkzeug request handler class), keeping its connections open when safe."""

    class KeepAlive(base):  # type: ignore[misc]
        rfile: Any  # the connection's reader (http.server); the body's while the app runs
        _keep = False
        _length_sent = False

        def setup(self) -> None:
            super().setup()
            self.server.open_connections.add(self.connection)

        def finish(self) -> None:
            self.server.open_connections.discard(self.connection)
            super().finish()

        def run_wsgi(self) -> None:
            length = self.headers.get("Content-Length", "0")
            self._keep = (
                self.request_version == "HTTP/1.1"
                and "chunked" not in self.headers.get("Transfer-Encoding", "").lower()
                and self.headers.get("Connection", "").lower() != "close"
                and length.isdigit()
            )
            if not self._keep:
                super().run_wsgi()
                return
            stream: Any = self.rfile
            body = _Body(stream, int(length))
            # What werkzeug hands the application, and what it reads off after the answer
            # ("any remaining data in the read socket"): never past this request's body.
            self.rfile = io.BufferedReader(body)
            try:
                super().run_wsgi()
            except BaseException:
                self.close_connection = True  # where the next request begins is unknown
                raise
            finally:
                self.rfile = stream

        def send_response(self, code: int, message: str | None = None) -> None:
            self._length_sent = False
            super().send_response(code, message)

        def send_header(self, keyword: str, value: str) -> None:
            name = keyword.lower()
            if name == "content-length":
                self._length_sent = True
            if name == "connection" and value.lower() == "close":
                if self._keep and self._length_sent:
                    return  # werkzeug's unconditional close: this answer can keep the line
                self._keep = False
            super().send_header(keyword, value)

    return KeepAlive


def close_connections(server: Any) -> None:
    """End every connection `server`'s handlers hold open: their threads finish at once."""
    for connection in list(server.open_connections):
        # The plain socket's shutdown: ssl.SSLSocket's own would drop its TLS state under
        # the handler thread reading it. The reader sees the end of the stream and returns.
        with contextlib.suppress(OSError):  # already closed by the client
            socket.socket.shutdown(connection, socket.SHUT_RDWR)
