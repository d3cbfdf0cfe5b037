"""One path for the errors the operator must see, and one crash hook (STYLE: qutebrowser's
`message.py` and `crashsignal.py`).

`ErrorReporter.report()` turns any failure into a plain-words message, journals it (code and
redacted message, never a traceback with values) and emits `shown` for the window to display.
`install_crash_hook()` routes uncaught exceptions through the same path and a dialog that shows
no secrets; the procedure itself is untouched and resumable from the journal.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Signal

from breakglass_gui.core.errors import BreakGlassError
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.redact import redact

log = logging.getLogger(__name__)

UNEXPECTED = (
    "Break Glass hit an unexpected error ({kind}). Nothing was lost: every step is in the "
    "journal, and the incident can be resumed. If it happens again, restart the app; the "
    "recovery screen will continue where it stopped."
)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def operator_message(error: BaseException) -> tuple[str, str]:
    """(code, message) for the operator: ours verbatim, anything else generic and value-free."""
    if isinstance(error, BreakGlassError):
        return error.code, redact(error.message)
    return "unexpected", UNEXPECTED.format(kind=type(error).__name__)


class ErrorReporter(QObject):
    shown = Signal(str, str)  # title, message
    crash = Signal(str)  # value-free message for the crash dialog

    def __init__(self, journal: Journal | None, incident: Callable[[], str | None]) -> None:
        super().__init__()
        self._journal = journal
        self._incident = incident

    def attach(self, journal: Journal) -> None:
        """The journal becomes known once the world has started (drill or config loaded)."""
        self._journal = journal

    def report(self, error: BaseException, *, context: str) -> str:
        code, message = operator_message(error)
        self._record("ui.error", {"context": context, "code": code, "message": message})
        self.shown.emit(context, message)
        return message

    def crashed(self, info: ExcInfo) -> str:
        kind, error, tb = info
        frames = traceback.extract_tb(tb)
        where = [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in frames[-5:]]
        self._record(
            "app.crash",
            {"type": kind.__name__, "where": where, "message": redact(str(error))[:300]},
        )
        log.error("uncaught %s at %s", kind.__name__, where[-1] if where else "?")
        _, message = operator_message(error)
        self.shown.emit("Unexpected error", message)
        self.crash.emit(message)
        return message

    def _record(self, kind: str, payload: dict[str, Any]) -> None:
        if self._journal is None:
            return
        try:
            self._journal.append(self._incident(), kind, payload)
        except BreakGlassError as exc:  # the journal itself failing is shown, never hidden
            log.error("could not journal %s: %s", kind, exc.message)


def install_crash_hook(reporter: ErrorReporter) -> Callable[[], None]:
    """Route uncaught exceptions to `reporter`; returns a function restoring the old hook."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, error, tb)
            return
        reporter.crashed((kind, error, tb))

    sys.excepthook = hook

    def restore() -> None:
        sys.excepthook = previous

    return restore
