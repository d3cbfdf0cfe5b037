"""Secret hygiene (docs/rules.md §12, §14): after a GUI drill and after an autopilot drill, with
HOME, the XDG directories and TMPDIR inside a scratch directory, nothing written there holds any
secret the drill world created or handed out (tests/fakes/scan.py: as text, URL-encoded and
base64), and no AWS or Vault credential file was created."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import pytest

from breakglass_gui.core import redact
from breakglass_gui.core.paths import data_dir
from breakglass_gui.drill.autopilot import run_autopilot
from breakglass_gui.drill.layout import MEMBERS
from tests.fakes.scan import leaks


def _no_credential_files(home: Path) -> None:
    assert not (home / ".aws").exists()
    assert not (home / ".vault-token").exists()


def test_an_autopilot_drill_writes_no_secret(
    scratch: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # botocore's wire logging included, at its most verbose
    redaction = redact.install()  # what main() does first (harden_process): records redacted
    secrets: set[str] = set()

    def collect(env: Any, proc: Any) -> None:
        secrets.update(env.secret_values())

    out = io.StringIO()
    try:
        assert run_autopilot(scratch / "out", out=out, observe=collect) == 0
    finally:
        redaction.uninstall()
    assert len(secrets) >= 12, "the inventory must hold the drill's secrets"
    assert any((scratch / "out").iterdir())  # the review was written there
    logged = caplog.text.encode()  # the records as the handler formatted them, after filters
    found = leaks(scratch, secrets, {"stdout": out.getvalue().encode(), "log": logged})
    assert found == []
    _no_credential_files(scratch / "home")


def test_a_gui_drill_writes_no_secret(scratch: Path, gui) -> None:
    d = gui(data_dir=data_dir())  # the default location: now inside the scratch home
    d.to_session(MEMBERS[:2])
    d.open_console(MEMBERS[0])
    d.copy_url(MEMBERS[1])
    d.wait_activity(at_least=3)
    d.end_session()
    d.wait_rotated()
    d.export_review(scratch / "reviews")
    secrets = d.env.secret_values()
    d.close_incident()
    assert len(secrets) >= 12
    assert any((scratch / "xdg_data_home").rglob("journal.sqlite3"))
    assert list((scratch / "reviews").iterdir())
    assert leaks(scratch, secrets) == []
    _no_credential_files(scratch / "home")


def test_the_leak_scan_reads_the_text_of_a_pdf(tmp_path: Path) -> None:
    """A secret printed in a PDF is compressed glyph ids in its bytes: the scan reads the text."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
    canvas = Canvas(str(tmp_path / "review.pdf"), pagesize=A4)
    canvas.drawString(72, 720, f"access key secret {secret}")
    canvas.save()
    assert secret.encode() not in (tmp_path / "review.pdf").read_bytes()
    assert leaks(tmp_path, [secret]) != []
