"""The drill environment starts fast and leaves nothing behind when it stops."""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlsplit

import pytest

from breakglass_gui.drill.environment import DrillEnvironment


def test_start_is_fast_and_stop_leaves_no_thread_or_port() -> None:
    before = {t.ident for t in threading.enumerate()}
    environment = DrillEnvironment()
    started = time.perf_counter()
    environment.start()
    elapsed = time.perf_counter() - started
    ports = [
        urlsplit(u).port
        for u in (
            environment.endpoint,
            environment.federation.url,
            environment.config.vault.address,
        )
    ]  # type: ignore[union-attr]
    environment.stop()
    assert elapsed < 5.0  # the 2 s target is measured by bench/; this only guards regressions
    time.sleep(0.1)
    assert {t.ident for t in threading.enumerate()} <= before
    for port in ports:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            with pytest.raises(ConnectionRefusedError):
                probe.connect(("127.0.0.1", port))  # type: ignore[arg-type]
