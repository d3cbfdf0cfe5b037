"""Before Qt starts on X11: are the system libraries its xcb platform plugin loads there?

Without them Qt prints a screenful ("qt.qpa.plugin: Could not load the Qt platform plugin
"xcb" … Available platform plugins are: …") and aborts. A newcomer on a fresh Debian or Ubuntu
desktop gets one line instead, naming the packages to install (issue 19). The list is the X11
requirements of Qt 6 (Qt's "Qt for X11 Requirements" page) that a minimal system lacks; the
deployment guide (docs/deployment.md, step 7) installs the same packages. Qt-free: it runs
before PySide6 is imported.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

# Library (its soname, as the dynamic loader opens it) → the Debian/Ubuntu package that has it.
XCB_LIBRARIES: Mapping[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libfontconfig.so.1": "libfontconfig1",
    "libEGL.so.1": "libegl1",
    "libdbus-1.so.3": "libdbus-1-3",
}
PACKAGES = " ".join(XCB_LIBRARIES.values())


def uses_xcb(env: Mapping[str, str]) -> bool:
    """Qt will pick its X11 plugin: Linux, and no other platform asked for or available."""
    if not sys.platform.startswith("linux"):
        return False
    asked = env.get("QT_QPA_PLATFORM", "")
    if asked:
        return asked.split(";")[0].split(":")[0] == "xcb"
    return not env.get("WAYLAND_DISPLAY")  # Qt prefers Wayland in a Wayland session


Loadable = Callable[[str], bool]


def loadable(soname: str) -> bool:
    """Whether the dynamic loader opens it — what Qt's plugin will do next, so the cost is
    paid once. (ctypes.util.find_library would run `ldconfig -p` once per library: a start-up
    delay of a tenth of a second and more.)"""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_packages(can_load: Loadable) -> list[str]:
    return [package for soname, package in XCB_LIBRARIES.items() if not can_load(soname)]


def problem(env: Mapping[str, str] | None = None, can_load: Loadable | None = None) -> str:
    """One line for the operator when Qt's X11 plugin cannot load, else ""."""
    if not uses_xcb(os.environ if env is None else env):
        return ""
    missing = missing_packages(can_load or loadable)
    if not missing:
        return ""
    return (
        "breakglass: the desktop application cannot start: Qt's X11 platform plugin needs "
        f"system libraries this machine lacks. On Debian or Ubuntu: sudo apt-get install "
        f"{' '.join(missing)}"
    )
