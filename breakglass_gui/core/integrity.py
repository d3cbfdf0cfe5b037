"""What the hash chain alone cannot show: whether the journal tells a possible story.

A chain with recomputed hashes verifies; so would one with a forged `CLOSED` appended after
ACTIVE. Replaying every incident with its transition rules (`Incident.transition_problem`: each
step must follow from the previous one and from its evidence) finds such an entry; the incident
is then unfinished — it opens in recovery, never as closed (docs/rules.md §6). What a rewrite
that also forges the evidence leaves is for the off-workstation anchor to find (issue 18).
"""

from __future__ import annotations

from collections.abc import Iterable

from breakglass_gui.core.chain import Entry, Verification
from breakglass_gui.core.incident import Incident
from breakglass_gui.core.journal import Journal


def replay_all(entries: Iterable[Entry]) -> dict[str, Incident]:
    """Every incident whose declaration is among `entries`, replayed from them."""
    by_incident: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.incident and (entry.incident in by_incident or entry.kind == "incident.declared"):
            by_incident.setdefault(entry.incident, []).append(entry)
    return {incident: Incident.replay(own) for incident, own in by_incident.items()}


def tampering(entries: Iterable[Entry]) -> tuple[int, str] | None:
    """The first impossible transition in `entries` (seq, why), or None."""
    found = [
        (incident.tampering_seq, f"incident {incident.id}: {incident.tampering}")
        for incident in replay_all(entries).values()
        if incident.tampering
    ]
    return min(found) if found else None


def with_transitions(result: Verification, entries: list[Entry]) -> Verification:
    """An intact chain is reported broken if the story it tells is impossible."""
    if not result.ok:
        return result
    problem = tampering(entries)
    if problem is None:
        return result
    seq, why = problem
    return Verification(
        False, result.count, result.head_hash, seq, f"{why} (entries forged or removed)"
    )


def check(journal: Journal) -> Verification:
    """The chain, the head, and every incident's transitions."""
    return with_transitions(journal.verify(), journal.entries())


def unfinished(journal: Journal) -> list[str]:
    """Incidents to recover: not CLOSED or ABORTED — by the journal's own rules, so a forged
    terminal transition does not hide one."""
    return [i.id for i in replay_all(journal.entries()).values() if not i.finished]
