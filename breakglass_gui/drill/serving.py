"""The drill's HTTP servers run on daemon threads that stop quickly."""

from __future__ import annotations

import threading
from typing import Protocol

# `serve_forever` looks for a shutdown request once per poll interval (0.5 s by default), so
# stopping the drill's three servers one after another took a second of every drill's end.
# A select() every 20 ms on an idle socket costs nothing measurable.
POLL_INTERVAL_S = 0.02

# Each server's request handler sets TCP_NODELAY on its connections (`disable_nagle_algorithm`):
# an answer leaves in several writes (the status and headers, then the body, each its own TLS
# record), and with Nagle's algorithm a small write waits for the client to acknowledge the one
# before it, which a client that delays its ACKs does not do at once. Measured on a drill's
# AWS endpoint: ~26 ms per AWS call against ~16 ms without the wait, the wait alone ~10 ms of
# the 59 calls of a drill world's start (tests/drill/test_environment.py checks each server).


class Server(Protocol):
    def serve_forever(self, poll_interval: float = ...) -> None: ...


def serve_in_thread(server: Server, name: str) -> threading.Thread:
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": POLL_INTERVAL_S},
        name=name,
        daemon=True,
    )
    thread.start()
    return thread
