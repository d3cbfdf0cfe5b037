"""The app killed while access is open: the next launch shows the recovery screen first and
finishes revocation (docs/rules.md §6). Both runs are real GUI processes; the first one is
SIGKILLed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from breakglass_gui.core.clock import SystemClock
from breakglass_gui.core.incident import Incident
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.verify import verify_file

ROOT = Path(__file__).resolve().parents[2]


def _child(mode: str, tmp: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "HOME": str(tmp / "home"),
        "XDG_CONFIG_HOME": str(tmp / "home" / ".config"),
        "XDG_DATA_HOME": str(tmp / "home" / ".local" / "share"),
        "TMPDIR": str(tmp / "tmp"),
        "QT_QPA_PLATFORM": "offscreen",
    }
    for folder in ("home", "tmp"):
        (tmp / folder).mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.gui_child", mode, str(tmp / "data")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _line(process: subprocess.Popen[str], prefix: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith(prefix):
            return line.strip()
        if not line and process.poll() is not None:
            break
    process.kill()
    _, stderr = process.communicate(timeout=10)
    raise AssertionError(f"no {prefix!r} line; stderr: {stderr[-2000:]}")


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[[str], subprocess.Popen[str]]]:
    """Children of this test; any still running when it ends (a failed assertion) is killed
    and its pipes closed, so nothing spills into the next test."""
    children: list[subprocess.Popen[str]] = []

    def start(mode: str) -> subprocess.Popen[str]:
        children.append(_child(mode, tmp_path))
        return children[-1]

    yield start
    for child in children:
        if child.poll() is None:
            child.kill()
        child.communicate(timeout=10)


def test_killed_while_active_the_relaunch_recovers_first_and_revokes(
    tmp_path: Path, spawn: Callable[[str], subprocess.Popen[str]]
) -> None:
    first = spawn("to-active")
    incident = _line(first, "ACTIVE", 90).split()[1]
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=10)
    assert first.returncode == -signal.SIGKILL

    journal_path = tmp_path / "data" / "drill" / "journal.sqlite3"
    assert verify_file(journal_path).ok
    journal = Journal(journal_path, SystemClock())
    assert journal.unfinished_incidents() == [incident]
    journal.close()

    relaunched = spawn("recover")
    assert _line(relaunched, "FIRST", 60) == "FIRST recovery"  # before any other screen
    assert _line(relaunched, "STATUS", 10) == f"STATUS DRILL · recovering unfinished: {incident}"
    state = _line(relaunched, "STATE", 120)
    steps = _line(relaunched, "STEPS", 10)
    _, stderr = relaunched.communicate(timeout=60)
    assert relaunched.returncode == 0, stderr[-2000:]
    assert state == f"STATE ROTATED {incident}"
    assert all(part.endswith("=done") for part in steps.removeprefix("STEPS ").split(","))

    result = verify_file(journal_path)
    assert result.ok, result.describe()
    journal = Journal(journal_path, SystemClock())
    entries = journal.entries(incident)
    journal.close()
    kinds = [e.kind for e in entries]
    assert "incident.resumed" in kinds
    assert Incident.replay(entries).state.value == "ROTATED"
