"""Before Qt starts on X11: are the system libraries its xcb platform plugin loads there?

Without them Qt prints a screenful ("qt.qpa.plugin: Could not load the Qt platform plugin
"xcb" … Available platform plugins are: …") and aborts. A newcomer on a fresh Debian or Ubuntu
desktop gets one line instead, naming the packages to install (issue 19). The list is the X11
requirements of Qt 6 (Qt's "Qt for X11 Requirements" page) that a minimal system lacks; the
README lists the same packages. Qt-free: it runs before PySide6 is imported.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from collections.abc import Callable, Mapping

# Library (as ctypes.util.find_library names it) → the Debian/Ubuntu package that has it.
XCB_LIBRARIES: Mapping[str, str] = {
    "xcb": "libxcb1",
    "X11-xcb": "libx11-xcb1",
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-image": "libxcb-image0",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-randr": "libxcb-randr0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-shape": "libxcb-shape0",
    "xcb-xinerama": "libxcb-xinerama0",
    "xcb-xkb": "libxcb-xkb1",
    "xkbcommon-x11": "libxkbcommon-x11-0",
    "xkbcommon": "libxkbcommon0",
    "fontconfig": "libfontconfig1",
    "EGL": "libegl1",
    "dbus-1": "libdbus-1-3",
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


Finder = Callable[[str], str | None]


def missing_packages(find: Finder) -> list[str]:
    return [package for library, package in XCB_LIBRARIES.items() if not find(library)]


def problem(env: Mapping[str, str] | None = None, find: Finder | None = None) -> str:
    """One line for the operator when Qt's X11 plugin cannot load, else ""."""
    if not uses_xcb(os.environ if env is None else env):
        return ""
    missing = missing_packages(find or ctypes.util.find_library)
    if not missing:
        return ""
    return (
        "breakglass: the desktop application cannot start: Qt's X11 platform plugin needs "
        f"system libraries this machine lacks. On Debian or Ubuntu: sudo apt-get install "
        f"{' '.join(missing)}"
    )
