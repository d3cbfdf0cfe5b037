"""bench/, scripts/ and mutation/ import the app inside their functions (to keep each figure's
process lean), so a renamed or moved name would only show when a benchmark runs. Every such
import is resolved here."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted(
    p for folder in ("bench", "scripts", "mutation") for p in (ROOT / folder).glob("*.py")
)


def _imports(path: Path) -> list[tuple[str, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and node.module.split(".")[0] in ("breakglass_gui", "tests")
        ):
            found += [(node.module, alias.name) for alias in node.names]
    return found


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_name_a_script_imports_from_the_app_exists(path: Path) -> None:
    missing = []
    for module, name in _imports(path):
        loaded = importlib.import_module(module)
        if not hasattr(loaded, name):
            try:
                importlib.import_module(f"{module}.{name}")
            except ImportError:
                missing.append(f"{module}.{name}")
    assert missing == []


def test_the_check_sees_function_level_imports() -> None:
    assert ("breakglass_gui.core.incident", "State") in _imports(
        ROOT / "bench" / "revocation_scale.py"
    )
