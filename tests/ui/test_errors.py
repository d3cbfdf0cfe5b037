"""One path for operator-facing errors, and a crash hook that journals without secrets."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from breakglass_gui.core.errors import VaultError
from breakglass_gui.core.journal import Journal
from breakglass_gui.ui.errors import ErrorReporter, install_crash_hook
from tests.fakes.clock import ManualClock

# Invented, shaped like a Vault service token so that the redaction filter must catch it.
TOKEN = "hvs.CAESIJ3lGkN9xHfM2dQp0qWZr5v8yT7uS6oPbKcXwE1aLhYtGh4"


def _reporter(tmp_path: Path) -> tuple[ErrorReporter, Journal, list[tuple[str, str]]]:
    journal = Journal(tmp_path / "journal.sqlite3", ManualClock())
    reporter = ErrorReporter(journal, lambda: "BG-20270101-ABCD")
    shown: list[tuple[str, str]] = []
    reporter.shown.connect(lambda title, message: shown.append((title, message)))
    return reporter, journal, shown


def test_a_procedure_error_is_shown_in_its_own_words_and_journaled(tmp_path: Path) -> None:
    reporter, journal, shown = _reporter(tmp_path)
    reporter.report(VaultError("Vault is sealed.", code="vault.sealed"), context="Vault unlock")
    assert shown == [("Vault unlock", "Vault is sealed.")]
    entry = journal.entries()[-1]
    assert (entry.kind, entry.payload["code"]) == ("ui.error", "vault.sealed")


def test_an_unexpected_error_shows_no_values(tmp_path: Path) -> None:
    reporter, _, shown = _reporter(tmp_path)
    reporter.report(KeyError(TOKEN), context="MFA")
    assert TOKEN not in shown[0][1]
    assert "KeyError" in shown[0][1]


def test_the_crash_hook_journals_a_redacted_crash_and_shows_a_dialog_text(
    tmp_path: Path, monkeypatch: Any
) -> None:
    reporter, journal, shown = _reporter(tmp_path)
    restore = install_crash_hook(reporter)
    try:
        try:
            raise RuntimeError(f"token was {TOKEN}")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    finally:
        restore()
    entry = journal.entries()[-1]
    assert entry.kind == "app.crash"
    assert entry.payload["type"] == "RuntimeError"
    assert TOKEN not in str(entry.payload) and "[REDACTED]" in entry.payload["message"]
    assert entry.payload["where"][-1].startswith("test_errors.py:")
    assert shown[-1][0] == "Unexpected error" and TOKEN not in shown[-1][1]
    assert sys.excepthook is not None
