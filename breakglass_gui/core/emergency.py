"""The emergency page's rules (SPEC §2.1): every problem found at once, each on its field."""

from __future__ import annotations

from breakglass_gui.core.config import Config
from breakglass_gui.core.errors import BreakGlassError, ProcedureError
from breakglass_gui.core.incident import EmergencyType

MIN_JUSTIFICATION = 20


def refuse(problems: list[BreakGlassError]) -> None:
    """Raise the one problem (it names its field), or all of them in one ProcedureError."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ProcedureError(" ".join(p.message for p in problems), code="procedure.invalid")


def emergency_problems(
    config: Config,
    *,
    emergency_type: str,
    other_text: str,
    justification: str,
    operator: str,
    duration_seconds: int,
    accounts: tuple[str, ...],
) -> list[BreakGlassError]:
    """Every problem of the emergency page, each naming its field (the page shows them all)."""
    problems: list[BreakGlassError] = []
    types = {t.value for t in EmergencyType}
    if emergency_type not in types:
        problems.append(ProcedureError("Choose the type of emergency.", field="type"))
    if emergency_type == EmergencyType.OTHER and len(other_text.strip()) < 5:
        problems.append(
            ProcedureError("Describe the emergency when the type is Other.", field="other_text")
        )
    if len(justification.strip()) < MIN_JUSTIFICATION:
        problems.append(
            ProcedureError(
                f"The justification needs at least {MIN_JUSTIFICATION} characters; say what is "
                "broken and what you will do.",
                field="justification",
            )
        )
    if config.operator(operator) is None:
        problems.append(
            ProcedureError("Choose yourself from the operator roster.", field="operator")
        )
    if not 900 <= duration_seconds <= config.session.max_duration:
        problems.append(
            ProcedureError(
                "The duration must be between 15 minutes and "
                f"{config.session.max_duration // 60} minutes (the configured maximum).",
                field="duration",
            )
        )
    unknown = [a for a in accounts if config.account(a) is None]
    if unknown:
        problems.append(
            ProcedureError(f"Unknown account(s): {', '.join(unknown)}.", field="accounts")
        )
    return problems
