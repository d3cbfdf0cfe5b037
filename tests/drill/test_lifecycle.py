"""The drill environment leaves nothing behind when it stops (its start-up time is measured by
bench/, not here)."""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlsplit

import pytest

from breakglass_gui.drill.environment import DrillEnvironment


def test_stop_leaves_no_thread_or_port() -> None:
    before = {t.ident for t in threading.enumerate()}
    environment = DrillEnvironment()
    environment.start()
    assert environment.sealed  # ready means sealed: every drill begins at the unseal step
    ports = [
        urlsplit(u).port
        for u in (
            environment.endpoint,
            environment.federation.url,
            environment.config.vault.address,
        )
    ]  # type: ignore[union-attr]
    environment.stop()
    time.sleep(0.1)
    assert {t.ident for t in threading.enumerate()} <= before
    for port in ports:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            with pytest.raises(ConnectionRefusedError):
                probe.connect(("127.0.0.1", port))  # type: ignore[arg-type]
