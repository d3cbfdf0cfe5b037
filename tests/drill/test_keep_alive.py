"""The drill's AWS endpoint keeps connections open when that is safe (drill/keep_alive.py)."""

from __future__ import annotations

import http.client
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from breakglass_gui.drill.aws_server import https_server
from breakglass_gui.drill.keep_alive import close_connections
from breakglass_gui.drill.serving import serve_in_thread
from breakglass_gui.drill.tls import DrillTls


def _app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Reads only the first 3 bytes of a body and answers with them and the path."""
    head = environ["wsgi.input"].read(3) if environ.get("CONTENT_LENGTH") else b""
    body = head + b" " + environ["PATH_INFO"].encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Any, DrillTls]]:
    tls = DrillTls.create()
    server = https_server(_app, tls.server_context)
    thread = serve_in_thread(server, "keep-alive-test")
    yield server, tls
    server.shutdown()
    close_connections(server)
    server.server_close()
    thread.join(timeout=5)
    tls.remove()


def _connect(served: tuple[Any, DrillTls]) -> http.client.HTTPSConnection:
    server, tls = served
    host, port = server.server_address[:2]
    context = ssl.create_default_context(cafile=str(tls.ca_file))
    return http.client.HTTPSConnection(f"{host}:{port}", context=context, timeout=10)


def test_requests_follow_each_other_on_one_connection(
    served: tuple[Any, DrillTls], monkeypatch: pytest.MonkeyPatch
) -> None:
    accepted: list[object] = []
    handler = served[0].RequestHandlerClass
    setup = handler.setup
    monkeypatch.setattr(handler, "setup", lambda self: (accepted.append(self), setup(self)))
    connection = _connect(served)
    answers = []
    for path in ("/one", "/two", "/three"):
        # Far more than the app reads, and than any buffer between it and the socket.
        connection.request("POST", path, body=b"abc" + b"x" * 300_000)
        response = connection.getresponse()
        answers.append(response.read())
        assert response.getheader("Connection") is None and not response.will_close
    connection.close()
    # The unread rest of each body was read off: each request line was found where it began.
    assert answers == [b"abc /one", b"abc /two", b"abc /three"]
    assert len(accepted) == 1


def test_a_chunked_request_closes_its_connection(served: tuple[Any, DrillTls]) -> None:
    connection = _connect(served)
    connection.request("POST", "/chunked", body=iter([b"abcdef"]), encode_chunked=True)
    response = connection.getresponse()
    response.read()
    assert response.getheader("Connection") == "close" and response.will_close
    connection.close()


def test_a_request_asking_to_close_is_answered_and_closed(served: tuple[Any, DrillTls]) -> None:
    connection = _connect(served)
    connection.request("GET", "/bye", headers={"Connection": "close"})
    response = connection.getresponse()
    assert response.read() == b" /bye" and response.will_close
    connection.close()


def test_stopping_ends_the_idle_connections_and_their_threads() -> None:
    tls = DrillTls.create()
    try:
        server = https_server(_app, tls.server_context)
        thread = serve_in_thread(server, "keep-alive-stop")
        connection = _connect((server, tls))
        connection.request("GET", "/idle")
        connection.getresponse().read()  # the connection stays open, its thread waiting
        assert len(server.open_connections) == 1
        server.shutdown()
        close_connections(server)
        closing = threading.Thread(target=server.server_close)  # joins every handler thread
        closing.start()
        closing.join(timeout=5)
        assert not closing.is_alive(), "a handler thread outlived the server"
        assert not server.open_connections
        thread.join(timeout=5)
        connection.close()
    finally:
        tls.remove()
