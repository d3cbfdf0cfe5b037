"""The drill environment leaves nothing behind when it stops (its start-up time is measured by
bench/, not here)."""

from __future__ import annotations

import gc
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


@pytest.mark.parametrize("enabled", [True, False])
def test_no_collection_runs_while_the_world_starts_and_the_collector_is_restored(
    enabled: bool,
) -> None:
    """The start allocates a few hundred thousand long-lived objects and next to no garbage:
    the collector is paused for it, and left as it was found (on or off: a GUI test's own
    collector, ui/collector.py, switches automatic collection off)."""
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    environment = DrillEnvironment()
    (gc.enable if enabled else gc.disable)()
    gc.callbacks.append(count)
    try:
        environment.start()
        during = len(collections)  # allocates nothing: the collector, if on again, waits
        assert gc.isenabled() is enabled
    finally:
        gc.callbacks.remove(count)
        gc.enable()
        environment.stop()
    assert during == 0, collections
