"""Code run in a fresh interpreter: process-wide effects (the GIL switch interval, imports,
warning filters, exit handlers) stay out of the test run."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -c code` from the checkout, its output captured; the caller checks the status."""
    return subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=None if env is None else dict(env),
    )
