"""Rules about the test suite itself (SPEC §13, §14): tests assert behaviour, never wall-clock
speed; speed is bench/'s job, where a figure is reported against its target. A timing
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
