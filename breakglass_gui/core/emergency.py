"""The emergency page's rules: every problem found at once, each on its field.

The emergency types come from the config (`[[emergency_types]]`; the seed's four and Other by
default); a type may scope the accounts that can be requested under it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from breakglass_gui.core.directory import scope_of
from breakglass_gui.core.errors import BreakGlassError, ProcedureError

if TYPE_CHECKING:
    from breakglass_gui.core.deps import Deps

MIN_JUSTIFICATION = 20


def refuse(problems: list[BreakGlassError]) -> None:
    """Raise the one problem (it names its field), or all of them in one ProcedureError."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ProcedureError(" ".join(p.message for p in problems), code="procedure.invalid")


def account_problem(
    deps: Deps, emergency_type: str, accounts: tuple[str, ...]
) -> ProcedureError | None:
    """Accounts the directory does not know, or outside the emergency type's scope."""
    unknown = [a for a in accounts if deps.directory.account(a) is None]
    if unknown:
        return ProcedureError(f"Unknown account(s): {', '.join(unknown)}.", field="accounts")
    kind = deps.config.emergency_type(emergency_type)
    if kind is None or not kind.scoped:
        return None
    scope = scope_of(deps.directory, kind)
    outside = [a for a in accounts if a not in scope]
    if outside:
        reach = [*kind.accounts, *(f"the OU {ou}" for ou in kind.ous)]
        return ProcedureError(
            f'An emergency of type "{emergency_type}" may reach {", ".join(reach)} only; '
            f"{', '.join(outside)} is outside it.",
            field="accounts",
        )
    return None


def emergency_problems(
    deps: Deps,
    *,
    emergency_type: str,
    other_text: str,
    justification: str,
    operator: str,
    duration_seconds: int,
    accounts: tuple[str, ...],
) -> list[BreakGlassError]:
    """Every problem of the emergency page, each naming its field (the page shows them all)."""
    config = deps.config
    problems: list[BreakGlassError] = []
    kind = config.emergency_type(emergency_type)
    if kind is None:
        problems.append(ProcedureError("Choose the type of emergency.", field="type"))
    if kind is not None and kind.describe and len(other_text.strip()) < 5:
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
    if not accounts and kind is not None:
        problems.append(
            ProcedureError(
                "Choose the accounts this request covers: the approvers sign for exactly these, "
                "and no other account can be opened under it.",
                field="accounts",
            )
        )
    problem = account_problem(deps, emergency_type, accounts)
    if problem:
        problems.append(problem)
    return problems


def requested_accounts(
    deps: Deps, emergency_type: str, accounts: tuple[str, ...]
) -> tuple[str, ...]:
    """The accounts a declaration covers: those chosen, else the emergency type's scope."""
    if accounts:
        return tuple(accounts)
    kind = deps.config.emergency_type(emergency_type)
    return scope_of(deps.directory, kind) if kind is not None and kind.scoped else ()
