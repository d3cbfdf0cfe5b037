"""Mutants of one module: each a single small change to its syntax tree, the kind of slip a
reviewer misses — a comparison flipped, `and`/`or` swapped, a `not` or a condition dropped, a
refusal (`raise`) or a call statement deleted, a number off by one, `max`/`min` swapped.

A mutant that no test notices is a refusal or a rule that can disappear silently."""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator
from dataclasses import dataclass

COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.Div: ast.Mult,
    ast.Mod: ast.FloorDiv,
}
SYMBOL = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.Add: "+",
    ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//", ast.Div: "/", ast.Mod: "%",
    ast.And: "and", ast.Or: "or",
}  # fmt: skip
CALLS_NOT_WORTH_DELETING = {"debug", "info", "warning", "exception", "error"}  # logging


@dataclass(frozen=True)
class Mutant:
    module: str  # path relative to the repository
    line: int
    what: str  # e.g. "`<` → `<=`", the allow-list's key together with module and line
    source: str  # the whole mutated module

    @property
    def key(self) -> str:
        return f"{self.module}:{self.line}: {self.what}"


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _changes(tree: ast.Module) -> Iterator[tuple[list[int], str]]:
    """(path to a node, what to do there) for every mutation; the path indexes ast.walk order."""
    nodes = list(ast.walk(tree))
    skip: set[int] = set()
    for node in nodes:
        if isinstance(node, ast.If) and _is_type_checking(node):
            skip.update(id(inner) for inner in ast.walk(node))
        if isinstance(node, ast.AnnAssign | ast.arg | ast.FunctionDef | ast.AsyncFunctionDef):
            for annotation in (getattr(node, "annotation", None), getattr(node, "returns", None)):
                if annotation is not None:
                    skip.update(id(inner) for inner in ast.walk(annotation))
    for index, node in enumerate(nodes):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in COMPARE_SWAPS:
                    yield [index], f"compare:{i}"
        elif isinstance(node, ast.BoolOp):
            yield [index], "boolop"
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield [index], "drop-not"
        elif isinstance(node, ast.BinOp) and type(node.op) in BINOP_SWAPS:
            yield [index], "binop"
        elif isinstance(node, ast.If | ast.While | ast.IfExp):
            yield [index], "test-true"
            yield [index], "test-false"
        elif (
            isinstance(node, ast.Constant)
            and type(node.value) is int
            and not isinstance(node.value, bool)
        ):
            yield [index], "int+1"
            yield [index], "int-1"
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            yield [index], "bool"
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("max", "min")
        ):
            yield [index], "maxmin"
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.If | ast.For | ast.While
                      | ast.With | ast.Try | ast.Module):  # fmt: skip
            for field in ("body", "orelse", "finalbody"):
                for position, statement in enumerate(getattr(node, field, [])):
                    if _is_docstring(statement) or id(statement) in skip:
                        continue
                    if isinstance(statement, ast.Raise):
                        yield [index], f"delete:{field}:{position}"
                    elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
                        func = statement.value.func
                        name = func.attr if isinstance(func, ast.Attribute) else ""
                        if name not in CALLS_NOT_WORTH_DELETING:
                            yield [index], f"delete:{field}:{position}"


def _apply(tree: ast.Module, index: int, change: str) -> tuple[int, str]:
    """Mutate `tree` in place at the index-th node of ast.walk; returns (line, description)."""
    node = list(ast.walk(tree))[index]
    line = getattr(node, "lineno", 0)
    kind, _, arg = change.partition(":")
    if kind == "compare":
        i = int(arg)
        old = type(node.ops[i])
        node.ops[i] = COMPARE_SWAPS[old]()
        return line, f"`{SYMBOL[old]}` → `{SYMBOL[COMPARE_SWAPS[old]]}`"
    if kind == "boolop":
        old_op = type(node.op)
        node.op = ast.Or() if old_op is ast.And else ast.And()
        return line, f"`{SYMBOL[old_op]}` → `{SYMBOL[type(node.op)]}`"
    if kind == "drop-not":
        node.op = ast.UAdd()  # `+x` keeps the tree valid; replaced below by the operand
        return line, "`not x` → `x`"
    if kind == "binop":
        old_bin = type(node.op)
        node.op = BINOP_SWAPS[old_bin]()
        return line, f"`{SYMBOL[old_bin]}` → `{SYMBOL[type(node.op)]}`"
    if kind in ("test-true", "test-false"):
        value = kind == "test-true"
        node.test = ast.Constant(value)
        return line, f"condition → `{value}`"
    if kind in ("int+1", "int-1"):
        old_value = node.value
        node.value = old_value + (1 if kind == "int+1" else -1)
        return line, f"`{old_value}` → `{node.value}`"
    if kind == "bool":
        node.value = not node.value
        return line, f"`{not node.value}` → `{node.value}`"
    if kind == "maxmin":
        old_name = node.func.id
        node.func.id = "min" if old_name == "max" else "max"
        return line, f"`{old_name}` → `{node.func.id}`"
    if kind == "delete":
        field, position = arg.split(":")
        body = getattr(node, field)
        statement = body[int(position)]
        what = "raise" if isinstance(statement, ast.Raise) else "call statement"
        body[int(position)] = ast.Pass()
        return statement.lineno, f"{what} deleted"
    raise ValueError(change)


class _DropUAdd(ast.NodeTransformer):
    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        return node.operand if isinstance(node.op, ast.UAdd) else node


def _lines_of(tree: ast.Module, functions: set[str]) -> set[int]:
    """The lines of the named functions (`name` or `Class.name`)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            named = [(f"{node.name}.{f.name}", f) for f in node.body if hasattr(f, "name")]
        elif isinstance(node, ast.Module):
            named = [(f.name, f) for f in node.body if hasattr(f, "name")]
        else:
            continue
        for name, function in named:
            if name in functions and isinstance(function, ast.FunctionDef):
                lines.update(range(function.lineno, (function.end_lineno or 0) + 1))
    return lines


def mutants(module: str, source: str, functions: set[str] | None = None) -> Iterator[Mutant]:
    """Every mutant of the module, or only of the named functions in it."""
    tree = ast.parse(source)
    original = ast.unparse(tree)
    nodes = list(ast.walk(tree))
    lines = _lines_of(tree, functions) if functions else None
    for path, change in list(_changes(tree)):
        if lines is not None and getattr(nodes[path[0]], "lineno", 0) not in lines:
            continue
        mutated = copy.deepcopy(tree)
        line, what = _apply(mutated, path[0], change)
        mutated = ast.fix_missing_locations(_DropUAdd().visit(mutated))
        text = ast.unparse(mutated)
        if text != original:
            yield Mutant(module, line, what, text)
