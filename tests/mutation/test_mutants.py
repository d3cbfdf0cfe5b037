"""The mutation tool's own rules (mutation/mutants.py): each mutant is one change, valid Python,
different from the original, and named by the line it changes."""

from __future__ import annotations

import ast

from mutation.mutants import mutants

SOURCE = '''"""A module docstring is never touched."""

LIMIT: int = 3


def check(count: int, name: str | None) -> bool:
    """Refuse what is over the limit."""
    if count >= LIMIT and not name:
        raise ValueError("over")
    log.debug("checked")
    notify(count)
    return max(count, 0) + 1 > 2


def other() -> int:
    return 7
'''


def _whats() -> list[str]:
    return [f"{m.line}: {m.what}" for m in mutants("m.py", SOURCE)]


def test_each_kind_of_slip_is_made_at_its_line() -> None:
    whats = _whats()
    expected = {
        "3: `3` → `4`",
        "3: `3` → `2`",
        "8: `>=` → `>`",
        "8: `and` → `or`",
        "8: `not x` → `x`",
        "8: condition → `True`",
        "8: condition → `False`",
        "9: raise deleted",
        "11: call statement deleted",
        "12: `max` → `min`",
        "12: `+` → `-`",
        "12: `>` → `>=`",
    }
    assert expected <= set(whats), sorted(set(whats))


def test_docstrings_logging_and_annotations_are_left_alone() -> None:
    whats = _whats()
    assert not any(w.startswith(("1:", "7:")) for w in whats)  # docstrings
    assert not any(w.startswith("10:") for w in whats)  # log.debug: no behaviour
    assert not any("`|`" in w for w in whats)  # `str | None` is an annotation


def test_every_mutant_is_valid_python_and_differs_from_the_original() -> None:
    original = ast.unparse(ast.parse(SOURCE))
    found = list(mutants("m.py", SOURCE))
    assert len(found) == len({m.source for m in found})
    for mutant in found:
        ast.parse(mutant.source)
        assert mutant.source != original
        assert mutant.key == f"m.py:{mutant.line}: {mutant.what}"


def test_mutants_can_be_limited_to_named_functions() -> None:
    only = list(mutants("m.py", SOURCE, {"other"}))
    assert [m.what for m in only] == ["`7` → `8`", "`7` → `6`"]
    assert {m.line for m in only} == {16}
