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


def _with_story(result: Verification, incidents: Iterable[Incident]) -> Verification:
    """An intact chain is reported broken at the first impossible transition it tells."""
    found = [(i.tampering_seq, f"incident {i.id}: {i.tampering}") for i in incidents if i.tampering]
    if not result.ok or not found:
        return result
    seq, why = min(found)
    reason = f"{why} (entries forged or removed)"
    return Verification(False, result.count, result.head_hash, seq, reason)


def with_transitions(result: Verification, entries: list[Entry]) -> Verification:
    """`result` (the chain's verdict over `entries`), unless their story is impossible."""
    return _with_story(result, replay_all(entries).values())


def inspect(journal: Journal) -> tuple[Verification, list[str]]:
    """What a launch needs, from one read of the entries: the verdict (the chain, the head and
    every incident's transitions) and the incidents to recover — not CLOSED or ABORTED by the
    journal's own rules, so a forged terminal transition does not hide one."""
    incidents = list(replay_all(journal.entries()).values())
    unfinished = [i.id for i in incidents if not i.finished]
    return _with_story(journal.verify(), incidents), unfinished


def check(journal: Journal) -> Verification:
    return inspect(journal)[0]


def unfinished(journal: Journal) -> list[str]:
    return [i.id for i in replay_all(journal.entries()).values() if not i.finished]
