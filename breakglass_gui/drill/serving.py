"""The drill's HTTP servers run on daemon threads that stop quickly."""

from __future__ import annotations

import threading
from typing import Protocol

# `serve_forever` looks for a shutdown request once per poll interval (0.5 s by default), so
# stopping the drill's three servers one after another took a second of every drill's end.
# A select() every 20 ms on an idle socket costs nothing measurable.
POLL_INTERVAL_S = 0.02


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
