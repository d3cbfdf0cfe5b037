"""Colours that read on the desktop's palette, light or dark.

The app uses the desktop's palette (Qt follows the platform theme); the few colours it adds —
errors, success, warnings — come in a light-background and a dark-background tone, chosen from
the palette when the widget is styled. Banners set their own background as well as their text.
"""

from __future__ import annotations

from typing import Literal

from PySide6.QtGui import QColor, QGuiApplication, QPalette

Tone = Literal["error", "ok", "warn"]
TONES: dict[Tone, tuple[str, str]] = {  # (on a light background, on a dark one)
    "error": ("#b00020", "#ff8a80"),
    "ok": ("#1b7f3b", "#81c995"),
    "warn": ("#9a5b00", "#fdd663"),
}


def dark() -> bool:
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def colour(tone: Tone) -> QColor:
    return QColor(TONES[tone][1 if dark() else 0])


def style(tone: Tone, *, bold: bool = False) -> str:
    return f"color: {colour(tone).name()};" + (" font-weight: bold;" if bold else "")
