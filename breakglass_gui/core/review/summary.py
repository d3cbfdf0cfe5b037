"""Page 1 of the review: the summary an auditor reads first, the findings the app makes itself,
and how to check the chain hash (document.py puts it first)."""

from __future__ import annotations

from typing import Any

from breakglass_gui.core.humane import clock, duration, when
from breakglass_gui.core.registry import APPROVAL_METHODS
from breakglass_gui.core.review.blocks import Block, Code, Facts, Paragraph, Section


def method_name(method: str) -> str:
    """ "Security key (fido2)": the approvals page's word and the config's."""
    # The registry maps names to the method classes; each class names itself (`label`).
    kind = APPROVAL_METHODS.get(method or "totp")
    label = getattr(kind.load(), "label", None) if kind else None
    return f"{label} ({method or 'totp'})" if label else method


def findings(review: dict[str, Any]) -> list[str]:
    """What the app itself found: each a sentence an auditor follows up. Empty: none."""
    found: list[str] = []
    incident = review["incident"]
    if review.get("tampering"):
        found.append(f"The journal replay found an impossible transition: {review['tampering']}")
    if not incident["operator_proof"].get("proven"):
        found.append(
            "The operator was not proven by Vault: "
            + str(incident["operator_proof"].get("reason") or "no Vault identity on record")
        )
    for failure in review["failures"]:
        found.append(f"Step {failure['step']} failed: {failure['message']}")
    for account in review["accounts"]:
        if not account.get("revocation"):
            found.append(
                f"No revocation is recorded for {account.get('label') or account['account']}."
            )
    if review["detective_controls"].get("finding"):
        found.append(review["detective_controls"]["finding"])
    if review["anchor"]["failed"]:
        found.append(
            f"{len(review['anchor']['failed'])} checkpoint(s) of the journal could not be "
            "written off the workstation (see Notifications and checkpoints)."
        )
    risky = [e for e in review["events"] if e.get("high_risk")]
    if risky:
        names = ", ".join(sorted({e["name"] for e in risky}))
        found.append(
            f"{len(risky)} high-risk CloudTrail event(s) during the session: {names} "
            "(raw records in Appendix A)."
        )
    failed_notices = [n for n in review["notifications"] if not n.get("sent")]
    if failed_notices:
        found.append(f"{len(failed_notices)} notification(s) could not be sent.")
    return found


def _approver(approval: dict[str, Any]) -> str:
    return (
        f"{approval['role']}: {approval.get('name') or approval['approver']} "
        f"({approval['approver']}), {method_name(approval.get('method', ''))}, "
        f"{clock(approval['at'])}"
    )


def summary(review: dict[str, Any]) -> Section:
    incident = review["incident"]
    timing = review["timing"]
    proof = incident["operator_proof"]
    operator = incident["operator"] + (
        f" — proven by Vault as {proof.get('vault_identity')}"
        if proof.get("proven")
        else " — NOT proven by Vault"
    )
    kind = incident["emergency_type"] + (
        f": {incident['other_text']}" if incident.get("other_text") else ""
    )
    approvers = "\n".join(_approver(a) for a in review["approvals"]) or "None recorded."
    accounts = "\n".join(a.get("label") or a["account"] for a in review["accounts"]) or "None."
    found = findings(review)
    rows = [
        ("Incident", f"{incident['id']} ({incident['state']})"),
        ("Emergency type", kind),
        ("Declared", when(incident["declared_at"])),
        ("Operator", operator),
        ("Approvers", approvers),
        ("Accounts", accounts),
        ("Time to access", duration(timing["time_to_access_seconds"])),
        ("Time to revoke", duration(timing["time_to_revoke_seconds"])),
        ("Time to rotate", duration(timing["time_to_rotate_seconds"])),
        (
            "CloudTrail events",
            f"{len(review['events'])}, of which {review['high_risk_count']} high-risk",
        ),
        ("Findings", "\n".join(f"• {f}" for f in found) or "None found by the app."),
        ("Operator's findings", review["findings"] or "—"),
        ("Chain hash", review["journal"]["final_hash"]),
    ]
    flagged = {i for i, (label, _) in enumerate(rows) if label == "Findings" and found}
    if not proof.get("proven"):
        flagged.add(3)
    return Section(
        "Summary",
        (
            Facts(tuple(rows), frozenset(flagged)),
            *how_to_verify(review),
        ),
    )


def how_to_verify(review: dict[str, Any]) -> tuple[Block, ...]:
    journal = review["journal"]
    last = journal["entries"][-1]["seq"] if journal["entries"] else 0
    return (
        Paragraph(
            f"The chain hash covers the {len(journal['entries'])} journal entries of this "
            f"incident, up to entry {last}; the closed screen shows the same hash. This command "
            "recomputes the chain from the JSON review alone and prints it:",
            "note",
        ),
        Code(journal["how_to_verify"]),
    )


# ----- the sections ---------------------------------------------------------------------------
