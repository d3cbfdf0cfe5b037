#!/usr/bin/env python3
"""Mutation testing of the security-critical modules (docs/rules.md §14): run on purpose, not by
the test command (a full run takes ~10 minutes on 2 cores).

    .venv/bin/python mutation/run.py                  # every module in mutation/targets.toml
    .venv/bin/python mutation/run.py --module breakglass_gui/core/aws/revoke.py
    .venv/bin/python mutation/run.py --jobs 2 --report mutation/report.md

Each mutant (mutation/mutants.py) is run against its module's tests (targets.toml) by workers
that each own a copy of the repository (mutation/worker.py). A mutant is killed when a test
fails or hangs. Survivors that cannot change behaviour are listed in mutation/allowlist.toml,
each with its reason; the others count against the target: at least 90 % of the mutants that
are not allow-listed killed in every module. Exit status 1 if a module misses it, 2 if a
module's tests fail before any mutation. The report lists every survivor with its line.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mutation.mutants import Mutant, mutants  # noqa: E402 - after the path is set

TARGET = 0.90
COPIED = (
    "breakglass_gui", "tests", "resources", "scripts", "docs", "packaging", "bench", "mutation",
    "main.py", "pyproject.toml", "README.md",
)  # fmt: skip


@dataclass
class Result:
    module: str
    label: str
    tried: int = 0
    killed: int = 0
    survivors: list[Mutant] = field(default_factory=list)
    allowed: list[tuple[Mutant, str]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        counted = self.tried - len(self.allowed)
        return self.killed / counted if counted else 1.0


class Worker:
    """A worker process over its own copy of the repository."""

    def __init__(self, root: Path) -> None:
        self.root = root
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "QT_QPA_PLATFORM": "offscreen"}
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "mutation" / "worker.py"), str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert json.loads(self._read())["ready"]

    def _read(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("a mutation worker died")
        return line

    def run(self, module: str, source: str | None, tests: list[str], limit: float) -> int:
        assert self.process.stdin is not None
        job = {"module": module, "source": source, "tests": tests, "limit": limit}
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        return int(json.loads(self._read())["code"])

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


@contextmanager
def workers(jobs: int) -> Iterator[queue.Queue[Worker]]:
    scratch = Path(tempfile.mkdtemp(prefix="breakglass-mutation-"))
    pool: queue.Queue[Worker] = queue.Queue()
    made: list[Worker] = []
    try:
        for n in range(jobs):
            root = scratch / f"copy-{n}"
            root.mkdir()
            for name in COPIED:
                source = ROOT / name
                if source.is_dir():
                    shutil.copytree(source, root / name, ignore=shutil.ignore_patterns(
                        "__pycache__", "*.pyc", "screenshots", ".hypothesis"))  # fmt: skip
                else:
                    shutil.copy2(source, root / name)
            made.append(Worker(root))
            pool.put(made[-1])
        yield pool
    finally:
        for worker in made:
            worker.close()
        shutil.rmtree(scratch, ignore_errors=True)


def load_allowlist(path: Path) -> dict[str, str]:
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return {entry["mutant"]: entry["reason"] for entry in data.get("allow", [])}


def run_module(
    target: dict[str, Any], pool: queue.Queue[Worker], jobs: int, allow: dict[str, str]
) -> Result:
    module, tests = target["module"], target["tests"]
    functions = set(target["functions"]) if "functions" in target else None
    result = Result(module, module + (f" ({', '.join(sorted(functions))})" if functions else ""))
    worker = pool.get()
    started = time.monotonic()
    try:
        baseline = worker.run(module, None, tests, limit=600)
    finally:
        pool.put(worker)
    if baseline != 0:
        raise SystemExit(f"{module}: its tests fail before any mutation ({tests})")
    limit = 3 * (time.monotonic() - started) + 10
    found = list(mutants(module, (ROOT / module).read_text(encoding="utf-8"), functions))
    lock = threading.Lock()

    def one(mutant: Mutant) -> None:
        worker = pool.get()
        try:
            code = worker.run(module, mutant.source, tests, limit)
        finally:
            pool.put(worker)
        with lock:
            result.tried += 1
            if code != 0:
                result.killed += 1
            elif mutant.key in allow:
                result.allowed.append((mutant, allow[mutant.key]))
            else:
                result.survivors.append(mutant)
            print(f"\r{module}: {result.tried}/{len(found)}", end="", file=sys.stderr, flush=True)

    with ThreadPoolExecutor(max_workers=jobs) as executor:
        list(executor.map(one, found))
    print(file=sys.stderr)
    return result


def report(results: list[Result], stale: list[str]) -> str:
    lines = [
        "# Mutation testing report",
        "",
        "Written by `mutation/run.py`. Kill rate = killed ÷ (tried − allow-listed); target "
        f"≥ {TARGET:.0%}.",
        "",
        "| module | tried | killed | allow-listed | survived | kill rate |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        mark = "" if r.rate >= TARGET else " **below target**"
        lines.append(
            f"| `{r.label}` | {r.tried} | {r.killed} | {len(r.allowed)} | "
            f"{len(r.survivors)} | {r.rate:.0%}{mark} |"
        )
    for r in results:
        if r.survivors:
            lines += ["", f"## Survivors in `{r.module}`", ""]
            lines += [f"- line {m.line}: {m.what}" for m in sorted(r.survivors, key=_order)]
    allowed = [(m, why) for r in results for m, why in r.allowed]
    if allowed:
        lines += ["", "## Allow-listed survivors", ""]
        lines += [f"- `{m.key}` — {why}" for m, why in sorted(allowed, key=lambda a: _order(a[0]))]
    if stale:
        lines += ["", "## Allow-list entries that matched no surviving mutant", ""]
        lines += [f"- `{key}`" for key in stale]
    return "\n".join(lines) + "\n"


def _order(mutant: Mutant) -> tuple[str, int, str]:
    return mutant.module, mutant.line, mutant.what


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", help="only this module (repeatable)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--report", type=Path, default=ROOT / "mutation" / "report.md")
    args = parser.parse_args()
    targets = tomllib.loads((ROOT / "mutation" / "targets.toml").read_text(encoding="utf-8"))
    chosen = [t for t in targets["target"] if not args.module or t["module"] in args.module]
    if not chosen:
        parser.error("no such module in mutation/targets.toml")
    allow = load_allowlist(ROOT / "mutation" / "allowlist.toml")
    with workers(args.jobs) as pool:
        results = [run_module(target, pool, args.jobs, allow) for target in chosen]
    matched = {m.key for r in results for m, _ in r.allowed}
    modules = {t["module"] for t in chosen}
    stale = [k for k in allow if k.split(":")[0] in modules and k not in matched]
    text = report(results, stale)
    args.report.write_text(text, encoding="utf-8")
    print(text)
    return 0 if all(r.rate >= TARGET for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
