"""Rules about the test suite itself (docs/rules.md §13, §14): tests assert behaviour, never
wall-clock speed; speed is bench/'s job, where a figure is reported against its target. A timing
assertion makes whether a change lands depend on how busy the machine is."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
CLOCKS = {"time", "monotonic", "perf_counter", "process_time", "monotonic_ns", "perf_counter_ns"}
ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def _reads_clock(node: ast.AST, tainted: set[str]) -> bool:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call):
            func = inner.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = func.value if isinstance(func, ast.Attribute) else None
            if name in CLOCKS and isinstance(owner, ast.Name) and owner.id == "time":
                return True
        if isinstance(inner, ast.Name) and inner.id in tainted:
            return True
    return False


def timing_assertions(source: str) -> list[int]:
    """Lines of `assert` statements that order (<, <=, >, >=) a value read off the clock, or
    computed from one in the same function (`took = time.time() - started`)."""
    found: list[int] = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        tainted: set[str] = set()
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and _reads_clock(node.value, tainted):
                tainted |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(function):
            if not isinstance(node, ast.Assert):
                continue
            for compare in ast.walk(node.test):
                if (
                    isinstance(compare, ast.Compare)
                    and any(isinstance(op, ORDERING) for op in compare.ops)
                    and _reads_clock(compare, tainted)
                ):
                    found.append(node.lineno)
                    break
    return found


def test_no_test_asserts_how_fast_something_ran() -> None:
    offenders = [
        f"{path.relative_to(TESTS.parent)}:{line}"
        for path in sorted(TESTS.rglob("*.py"))
        for line in timing_assertions(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "timing assertions (move them to bench/): " + ", ".join(offenders)


def test_the_scan_finds_the_timing_assertions_the_suite_once_had() -> None:
    crash_matrix = """
def test_recovers(drill):
    relaunched_at = time.time()
    relaunch = run(drill)
    took = began["recovery_began_at"] - relaunched_at
    assert took <= RECOVERY_TARGET_S
"""
    lifecycle = """
def test_start_is_fast():
    started = time.perf_counter()
    environment.start()
    elapsed = time.perf_counter() - started
    assert elapsed < 5.0
"""
    inline = """
def test_relaunch():
    started = time.monotonic()
    assert first_line(relaunched) == "FIRST recovery"
    assert time.monotonic() - started < 10
"""
    assert timing_assertions(crash_matrix) == [6]
    assert timing_assertions(lifecycle) == [6]
    assert timing_assertions(inline) == [5]


def test_the_scan_leaves_behaviour_alone() -> None:
    """Waiting for something with a deadline, comparing clock values for equality or
    computing a code for the current time assert behaviour."""
    waits = """
def test_gone(pid):
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)
    assert code == totp.code_at(seed, time.time())
    assert len(events) >= 8
"""
    assert timing_assertions(waits) == []


# Calls that check an outcome themselves: pytest's raises/fail/warns, pytest-qt's waits (they
# fail the test when the condition never holds) and qtmodeltester.check.
CHECKING_CALLS = {"raises", "fail", "warns", "waitUntil", "waitSignal", "waitSignals"}


def _called_names(node: ast.AST) -> set[str]:
    names = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            func = call.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


def _checks_directly(node: ast.AST) -> bool:
    if any(isinstance(inner, ast.Assert) for inner in ast.walk(node)):
        return True
    for call in ast.walk(node):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
            owner = call.func.value
            if call.func.attr == "check" and getattr(owner, "id", "") == "qtmodeltester":
                return True
    return bool(_called_names(node) & CHECKING_CALLS)


def unchecked_tests(sources: dict[str, str]) -> list[str]:
    """Test functions that neither assert nor expect an exception, directly or through a helper
    defined in the suite (helpers are matched by name across the given sources)."""
    functions: dict[str, list[ast.FunctionDef]] = {}
    tests: list[tuple[str, ast.FunctionDef]] = []
    for where, source in sources.items():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef):
                functions.setdefault(node.name, []).append(node)
                if node.name.startswith("test_"):
                    tests.append((where, node))
    checking: set[str] = {n for n, defs in functions.items() if any(map(_checks_directly, defs))}
    changed = True
    while changed:  # helpers that call checking helpers check too
        changed = False
        for name, defs in functions.items():
            if name not in checking and any(_called_names(d) & checking for d in defs):
                checking.add(name)
                changed = True
    return [f"{where}::{test.name}" for where, test in tests if test.name not in checking]


def test_every_test_checks_an_outcome() -> None:
    sources = {
        str(path.relative_to(TESTS.parent)): path.read_text(encoding="utf-8")
        for path in sorted(TESTS.rglob("*.py"))
    }
    assert unchecked_tests(sources) == []


def test_the_check_scan_finds_a_test_that_only_runs_code() -> None:
    sources = {
        "helpers.py": "def nothing_lost(world):\n    assert world.ok\n",
        "test_a.py": (
            "def test_runs_only(proc):\n    proc.approve('primary')\n\n"
            "def test_through_a_helper(world):\n    nothing_lost(world)\n\n"
            "def test_expects(proc):\n    with pytest.raises(ApprovalError):\n"
            "        proc.approve('x')\n\n"
            "def test_waits(qtbot, page):\n    qtbot.waitUntil(page.isVisible)\n"
        ),
    }
    assert unchecked_tests(sources) == ["test_a.py::test_runs_only"]
