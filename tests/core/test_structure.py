"""The shape of the package (docs/architecture.md, "Layers"): small modules, no cycles, no
reaching into another object's private members."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import breakglass_gui

PACKAGE = Path(breakglass_gui.__file__).resolve().parent
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def test_no_module_is_over_500_lines() -> None:
    long = {
        name: n
        for name, path in _modules().items()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def _imports(name: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """Every module of the package this one imports: deferred and type-checking ones too."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            targets = [base, *(f"{base}.{a.name}" for a in node.names)]
        for imported in targets:
            target = imported
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                yield target


def test_no_two_modules_depend_on_each_other_even_for_type_checking() -> None:
    modules = _modules()
    graph = {name: set(_imports(name, path, modules)) for name, path in modules.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []


def test_the_cycle_check_finds_a_cycle(tmp_path: Path) -> None:
    """The check above is not vacuous: the edges it reads include a type-checking import."""
    modules = _modules()
    ending = "breakglass_gui.core.ending"
    assert "breakglass_gui.core.parts" in set(_imports(ending, modules[ending], modules))
    typed = tmp_path / "m.py"
    typed.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from breakglass_gui.core.procedure import Procedure\n"
    )
    assert set(_imports("breakglass_gui.core.x", typed, modules)) == {
        "breakglass_gui.core.procedure"
    }


def _own_private_names(cls: ast.ClassDef) -> set[str]:
    names = set()
    for node in ast.walk(cls):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("_"):
            names.add(node.name)
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
            and node.attr.startswith("_")
        ):
            names.add(node.attr)
    return names


def _reaches(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """`x._name` where x is not self/cls/super() and `_name` is not a member of the class the
    code is in (a class may compare itself with another instance of itself)."""

    def walk(node: ast.AST, own: set[str]) -> Iterator[tuple[int, str]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                yield from walk(child, own | _own_private_names(child))
                continue
            if (
                isinstance(child, ast.Attribute)
                and child.attr.startswith("_")
                and not child.attr.startswith("__")
                and child.attr not in own
            ):
                value = child.value
                is_self = isinstance(value, ast.Name) and value.id in ("self", "cls")
                is_super = isinstance(value, ast.Call) and ast.unparse(value.func) == "super"
                if not (is_self or is_super):
                    yield child.lineno, ast.unparse(child)
            yield from walk(child, own)

    yield from walk(tree, set())


def test_no_object_reaches_into_another_objects_private_members() -> None:
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {text}"
        for path in _modules().values()
        for line, text in _reaches(ast.parse(path.read_text()))
    ]
    assert found == []


def test_the_reach_check_finds_a_reach() -> None:
    code = "class Ending:\n    def run(self):\n        self.p._effect()\n"
    assert [text for _, text in _reaches(ast.parse(code))] == ["self.p._effect"]
    same = "class S:\n    def __eq__(self, o):\n        return self._v == o._v\n"
    assert list(_reaches(ast.parse(same))) == []
