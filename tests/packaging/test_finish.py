"""packaging/finish.py's rules that need no build (tests/packaging/test_bundle.py runs it whole,
on a real bundle)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _finish() -> ModuleType:
    spec = importlib.util.spec_from_file_location("finish", ROOT / "packaging" / "finish.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_finished_sbom_the_cyclonedx_schema_refuses_stops_the_build() -> None:
    """The SBOM is validated after finish.py's own changes to it, not only as the tool wrote it:
    a property the schema does not name is refused (strict validation)."""
    finish = _finish()
    document = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1}
    text = json.dumps(document)
    assert finish.validated(text) == text
    with pytest.raises(SystemExit, match=r"not valid CycloneDX 1\.6"):
        finish.validated(json.dumps({**document, "madeUp": True}))
