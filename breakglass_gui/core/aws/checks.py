"""One row of the readiness table (docs/rules.md §9), and the table the CLI prints."""

from __future__ import annotations

from dataclasses import dataclass

from breakglass_gui.core.text import visible

PROVISION_FIX = "run `main.py provision --apply` (or deploy the CloudFormation templates)"


@dataclass(frozen=True)
class Check:
    name: str
    account: str
    ok: bool
    reason: str = ""
    fix: str = ""


def error_code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def render_table(checks: list[Check]) -> str:
    """The pass/fail table the CLI prints (the GUI shows the same rows)."""
    width = max((len(visible(c.name)) for c in checks), default=10)
    lines = [f"{'':4}  {'CHECK':<{width}}  {'ACCOUNT':<12}  REASON → FIX"]
    for c in checks:  # reasons quote AWS and Vault: no escape sequence reaches the terminal
        mark = "PASS" if c.ok else "FAIL"
        detail = "" if c.ok else f"{c.reason} → {c.fix}" if c.fix else c.reason
        lines.append(
            f"{mark:4}  {visible(c.name):<{width}}  {visible(c.account):<12}  {visible(detail)}"
        )
    failed = sum(1 for c in checks if not c.ok)
    lines.append(f"{len(checks) - failed} passed, {failed} failed")
    return "\n".join(lines)
