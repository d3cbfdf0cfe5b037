"""Shared test set-up: no real keyring, browser, clock or AWS; Qt offscreen for UI tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Hypothesis fails an example that runs over 200 ms by default: a wall-clock assertion, and on
# a busy machine a random failure. Tests assert behaviour; bench/ measures speed (docs/rules.md
# §13).
settings.register_profile("breakglass", deadline=None)
settings.load_profile("breakglass")
# Make sure nothing ambient can leak into a test: no real AWS credentials or profiles.
for _name in (
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "VAULT_TOKEN",
    "VAULT_ADDR",
    "VAULT_SKIP_VERIFY",
):
    os.environ.pop(_name, None)
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

pytest_plugins = ["tests.fakes.openbao", "tests.fakes.world"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first. The suite is spread over the cores (scripts/test: pytest-xdist): a
    minute-long test started last would leave the other workers idle while it runs."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _no_dangling_qt(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """A Qt test leaves no running timer and no visible window behind (STYLE: napari's
    `_dangling_qtimers`). Autouse fixtures start first, so this check runs after qtbot's and
    the GUI fixtures' own teardown."""
    if "qtbot" not in request.fixturenames:
        yield
        return
    import shiboken6
    from PySide6.QtCore import QCoreApplication, QEvent, QTimer
    from PySide6.QtWidgets import QApplication

    started: list[QTimer] = []
    original = QTimer.start

    def start(self: QTimer, *args: object) -> None:
        started.append(self)
        original(self, *args)

    monkeypatch.setattr(QTimer, "start", start)
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()
    running = [t.objectName() or repr(t) for t in started if shiboken6.isValid(t) and t.isActive()]
    windows = [
        w.objectName() or type(w).__name__ for w in QApplication.topLevelWidgets() if w.isVisible()
    ]
    assert running == [], f"timers left running: {running}"
    assert windows == [], f"windows left open: {windows}"


_UNDOCUMENTED: list[str] = []


def _watch_journal_kinds() -> None:
    """Every kind the app journals is in core/journal_kinds.py (docs/journal-reference.md, the
    auditors' reference): an entry of another kind written by app code fails the test that
    wrote it. Kinds that tests write themselves ("test.entry") are theirs."""
    import sys
    from pathlib import Path

    from breakglass_gui.core import journal
    from breakglass_gui.core.journal_kinds import KINDS

    app = str(Path(journal.__file__).resolve().parents[1])
    original = journal.Journal._write

    def _write(self: journal.Journal, incident: str | None, kind: str, payload, ts):  # type: ignore[no-untyped-def]
        if kind not in KINDS:
            frame = sys._getframe(1)
            while frame is not None and frame.f_code.co_filename == journal.__file__:
                frame = frame.f_back  # type: ignore[assignment]
            if frame is not None and frame.f_code.co_filename.startswith(app):
                _UNDOCUMENTED.append(f"{kind} (from {frame.f_code.co_filename}:{frame.f_lineno})")
        return original(self, incident, kind, payload, ts)

    journal.Journal._write = _write  # type: ignore[method-assign]


_watch_journal_kinds()


@pytest.fixture(autouse=True)
def _journal_kinds_documented() -> Iterator[None]:
    _UNDOCUMENTED.clear()
    yield
    found, _UNDOCUMENTED[:] = list(_UNDOCUMENTED), []
    assert found == [], f"journal kinds missing from core/journal_kinds.py: {found}"
