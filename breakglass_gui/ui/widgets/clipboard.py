"""Copying a bearer secret (the console URL) to the clipboard, as password managers do.

The data carries the hints clipboard managers honour — KDE's `x-kde-passwordManagerHint`,
macOS's concealed type (nspasteboard.org) and Windows' history/cloud exclusions — and is cleared
after 20 s, and on quit, if the clipboard still holds our value.
"""

from __future__ import annotations

import hashlib

from PySide6.QtCore import QMimeData, QObject, QTimer
from PySide6.QtGui import QClipboard, QGuiApplication

from breakglass_gui.core.secret import Secret

CLEAR_AFTER_MS = 20_000
HINTS: dict[str, bytes] = {
    "x-kde-passwordManagerHint": b"secret",
    "application/x-nspasteboard-concealed-type": b"secret",
    "org.nspasteboard.ConcealedType": b"secret",
    'application/x-qt-windows-mime;value="ExcludeClipboardContentFromMonitorProcessing"': b"\0",
    'application/x-qt-windows-mime;value="CanIncludeInClipboardHistory"': b"\0\0\0\0",
    'application/x-qt-windows-mime;value="CanUploadToCloudClipboard"': b"\0\0\0\0",
}


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class SecretClipboard(QObject):
    def __init__(self, clipboard: QClipboard | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clipboard = clipboard or QGuiApplication.clipboard()
        self._ours: str | None = None  # a hash of what we put there, never the value itself
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear)

    def copy(self, secret: Secret) -> None:
        data = QMimeData()
        text = secret.reveal()
        data.setText(text)
        for mime, value in HINTS.items():
            data.setData(mime, value)
        self._ours = _fingerprint(text)
        self._clipboard.setMimeData(data)
        self._timer.start(CLEAR_AFTER_MS)

    @property
    def holds_ours(self) -> bool:
        return self._ours is not None and _fingerprint(self._clipboard.text()) == self._ours

    def clear(self) -> None:
        """Clear the clipboard if it still holds our value (never someone else's copy)."""
        self._timer.stop()
        if self.holds_ours:
            self._clipboard.clear()
        self._ours = None
