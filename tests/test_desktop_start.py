"""A newcomer on a fresh Debian/Ubuntu desktop (issue 19, item 7): when Qt's X11 plugin cannot
load for want of system libraries, `main.py` says so in one line naming the packages, instead
of Qt's screenful and an abort."""

from __future__ import annotations

from typing import Any

import pytest

from breakglass_gui import cli
from breakglass_gui.ui import app, system_libraries
from breakglass_gui.ui.system_libraries import PACKAGES, loadable, problem


def _without(*absent: str) -> Any:
    return lambda soname: soname not in absent


def test_missing_xcb_libraries_are_named_with_their_packages() -> None:
    said = problem({"QT_QPA_PLATFORM": "xcb"}, _without("libxcb-icccm.so.4", "libxcb-keysyms.so.1"))
    assert "\n" not in said
    assert said.endswith("sudo apt-get install libxcb-icccm4 libxcb-keysyms1")


def test_nothing_is_said_when_qt_will_not_use_x11_or_has_what_it_needs() -> None:
    lacking = _without("libxcb-cursor.so.0")
    assert problem({"QT_QPA_PLATFORM": "offscreen"}, lacking) == ""
    assert problem({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, lacking) == ""
    assert problem({"DISPLAY": ":0"}, _without()) == ""
    assert problem({"DISPLAY": ":0"}, lacking) != ""  # X11 session, plugin by default


def test_the_app_prints_one_line_and_does_not_start_qt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[object] = []
    monkeypatch.setattr(app, "run", started.append)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(system_libraries, "loadable", lambda soname: soname != "libxcb-cursor.so.0")
    assert cli.main(["--drill"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "libxcb-cursor0" in err and "Traceback" not in err
    assert started == []


def test_the_deployment_guide_installs_the_same_packages() -> None:
    """docs/deployment.md, step 7: the apt-get line has exactly the packages the check names
    (and the review's fonts)."""
    import re
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[1] / "docs" / "deployment.md").read_text()
    command = re.search(r"sudo apt-get install (.*?)\n```", guide, re.S)
    assert command is not None
    listed = set(command.group(1).replace("\\", " ").split())
    assert listed == set(PACKAGES.split()) | {"fonts-dejavu-core"}


def test_the_loader_check_tells_present_from_absent() -> None:
    assert loadable("libc.so.6")
    assert not loadable("libbreakglass-no-such-library.so.9")
