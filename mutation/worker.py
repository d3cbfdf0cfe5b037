"""One mutation worker: a long-lived process over its own copy of the repository.

It imports the heavy libraries once (boto3, moto, pytest...; never the app or its tests), then
for each mutant read on stdin writes the mutated module into its copy, forks, and runs the
module's tests in the child with pytest.main, stopping at the first failure. The child's exit
status is the verdict (0: the mutant survived); a child that runs past the time limit is killed
and counts as killed (the mutant made something hang). The original module is put back after
each mutant. Protocol: one JSON object per line each way.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

# Not Hypothesis or other pytest plugins: pytest warns when a plugin was imported before it.
PRELOAD = ("pytest", "boto3", "botocore", "moto", "pyotp", "hvac", "jinja2",
           "keyring", "platformdirs", "werkzeug")  # fmt: skip


def run_tests(root: Path, tests: list[str]) -> int:
    pid = os.fork()
    if pid == 0:  # the child: the app and its tests are imported fresh from the mutated copy
        os.chdir(root)
        sys.path.insert(0, str(root))
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        import pytest

        code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *tests])
        os._exit(int(code))
    return pid


def wait(pid: int, limit: float) -> tuple[int, float]:
    started = time.monotonic()
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), time.monotonic() - started
        if time.monotonic() - started > limit:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return -signal.SIGKILL, time.monotonic() - started
        time.sleep(0.02)


def main() -> int:
    root = Path(sys.argv[1])
    # A mutant is written within the same second as the original: a cached .pyc judged by
    # mtime and size could hide it. Nothing is cached; every child compiles what it imports.
    sys.dont_write_bytecode = True
    for name in PRELOAD:
        __import__(name)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        target = root / job["module"]
        original = target.read_text(encoding="utf-8")
        try:
            if job.get("source") is not None:
                target.write_text(job["source"], encoding="utf-8")
            code, seconds = wait(run_tests(root, job["tests"]), job["limit"])
        finally:
            target.write_text(original, encoding="utf-8")
        print(json.dumps({"code": code, "seconds": seconds}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
