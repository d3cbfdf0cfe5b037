"""bench/revocation_scale.py's MFA codes: accepted whenever in a step they are made."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("scale", ROOT / "bench" / "revocation_scale.py")
assert spec is not None and spec.loader is not None
scale = importlib.util.module_from_spec(spec)
spec.loader.exec_module(scale)


def test_each_incidents_code_is_still_within_one_step_when_sts_checks_it() -> None:
    """However close to a step's end a code is made, STS (±1 step) accepts it up to a few
    seconds later, and the three incidents of a run send three different steps."""
    delay = scale.STEP_MARGIN_S - 0.2  # a loaded machine, between the code and its check
    for tenth in range(300 * 3):
        now = 1_800_000_000 + tenth / 10
        steps = []
        for nth in range(3):
            wait, at = scale.code_moment(nth, now)
            checked = int((now + wait + delay) // 30)
            steps.append(int(at // 30))
            assert abs(steps[-1] - checked) <= 1, (now % 30, nth, wait)
            now += wait + delay
        assert len(set(steps)) == 3, steps
