"""The review's structure, decided once for every format (issue 19, docs/rules.md §5.1).

`outline(review)` turns the review data (`data.build_review`, which the JSON format writes as
it is) into what an auditor reads: a one-page summary first, then the sections in a fixed order,
then an appendix with the raw CloudTrail records of the high-risk events — and of no others.
The PDF (`pdf.py`), HTML and Markdown writers (`render.py` and the templates) only lay this
out, so the three cannot drift apart. Every text here is plain; escaping is each writer's job.

Times are shown as the time of day in UTC (the summary gives the date once), durations for
people (`core/humane.py`); identifiers (ARNs, hashes, key fingerprints) are set in a
monospaced column that may break anywhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from breakglass_gui.core.humane import clock, duration, since, when
from breakglass_gui.core.registry import APPROVAL_METHODS

TITLE = "Break-glass review"


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # share of the text width; a table's widths add up to 1
    mono: bool = False  # identifiers: monospaced, may break anywhere


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    flagged: frozenset[int] = frozenset()  # rows to mark (high risk, failed)
    empty: str = "None."
    kind: ClassVar[str] = "table"


@dataclass(frozen=True)
class Facts:
    """Label → value pairs (the summary, a request)."""

    rows: tuple[tuple[str, str], ...]
    flagged: frozenset[int] = frozenset()
    kind: ClassVar[str] = "facts"


@dataclass(frozen=True)
class Paragraph:
    text: str
    tone: str = ""  # "", "bad" (a finding), "note" (how to check)
    kind: ClassVar[str] = "paragraph"


@dataclass(frozen=True)
class Code:
    """A command to run, or a raw record in the appendix (kept as it is, wrapped)."""

    text: str
    caption: str = ""
    kind: ClassVar[str] = "code"


Block = Table | Facts | Paragraph | Code


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]
    appendix: bool = False


@dataclass(frozen=True)
class Document:
    title: str  # "[DRILL] Break-glass review — BG-…" for a drill
    subtitle: str
    incident: str
    drill: bool
    sections: tuple[Section, ...] = field(default_factory=tuple)  # the first is the summary

    @property
    def summary(self) -> Section:
        return self.sections[0]


def method_name(method: str) -> str:
    """ "Security key (fido2)": the approvals page's word and the config's."""
    # The registry maps names to the method classes; each class names itself (`label`).
    label = getattr(APPROVAL_METHODS.get(method or "totp"), "label", None)
    return f"{label} ({method or 'totp'})" if label else method


def outline(review: dict[str, Any]) -> Document:
    incident = review["incident"]
    drill = bool(review.get("drill"))
    mark = "[DRILL] " if drill else ""
    sections = (
        _summary(review),
        _approvals(review),
        _accounts(review),
        _activity(review),
        _ending(review),
        _notices(review),
        _notes(review),
        _timeline(review),
        _journal(review),
        _appendix(review),
    )
    return Document(
        title=f"{mark}{TITLE} — {incident['id']}",
        subtitle=(
            f"{review['organisation']} · {incident['state']} · declared "
            f"{when(incident['declared_at'])}"
        ),
        incident=incident["id"],
        drill=drill,
        sections=tuple(
            Section(f"{mark}{s.title}", s.blocks, s.appendix) for s in sections if s.blocks
        ),
    )


# ----- page 1 ---------------------------------------------------------------------------------


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


def _summary(review: dict[str, Any]) -> Section:
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
            *_how_to_verify(review),
        ),
    )


def _how_to_verify(review: dict[str, Any]) -> tuple[Block, ...]:
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


def _approvals(review: dict[str, Any]) -> Section:
    incident = review["incident"]
    request = review["approval_bundle"].get("request", {})
    tokens = [
        (
            "Token left by a crash",
            f"{t['accessor']}: "
            + ("revoked" if t["revoked"] else f"lapses at {when(t['lapses_at'])}"),
        )
        for t in review["vault"]["orphaned_tokens"]
    ]
    vault = review["vault"]
    facts = Facts(
        (
            ("Justification", incident["justification"]),
            ("Reference", incident["reference"] or "—"),
            ("Requested duration", duration(incident["duration_seconds"])),
            ("Request", f"{request.get('request_id') or '—'}, digest {review['request_digest']}"),
            ("Break-glass user", f"{incident['vault_user']}, MFA device {incident['mfa_serial']}"),
            ("MFA mode", incident["mfa_mode"]),
            (
                "Vault server",
                f"version {vault['version'] or 'unknown'}, cluster "
                f"{vault['cluster_name'] or 'unknown'}; {len(vault['request_ids'])} request ids "
                "in the JSON review, each in that server's audit log",
            ),
            *tokens,
        )
    )
    approvals = Table(
        (
            Column("Role", 0.12),
            Column("Approver", 0.24),
            Column("Time", 0.10),
            Column("Method", 0.20),
            Column("Key fingerprint", 0.34, mono=True),
        ),
        tuple(
            (
                a["role"],
                f"{a.get('name') or a['approver']} ({a['approver']})",
                clock(a["at"]),
                method_name(a.get("method", "")),
                a.get("fingerprint") or "—",
            )
            for a in review["approvals"]
        ),
        empty="No approvals recorded.",
    )
    changes = Table(
        (
            Column("Time", 0.20),
            Column("Change", 0.18),
            Column("Approver", 0.18),
            Column("Key", 0.24, mono=True),
            Column("Signed by", 0.20),
        ),
        tuple(
            (
                when(c["at"]),
                c["change"],
                f"{c['approver']} ({c['role']})",
                f"{c['method']} {c['fingerprint']}".strip() or "—",
                ", ".join(c["signed_by"]) or "unsigned",
            )
            for c in review["registry_changes"]
        ),
        flagged=frozenset(
            i for i, c in enumerate(review["registry_changes"]) if not c["signed_by"]
        ),
        empty="None since the previous incident.",
    )
    return Section(
        "Request and approvals",
        (
            facts,
            approvals,
            Paragraph(
                "Both approvers signed the request text above. The text, the signatures and "
                "the key fingerprints are in the approval bundle exported beside this review; "
                "anyone can check it with the approvers' public keys alone:",
                "note",
            ),
            Code("python main.py verify-approvals BUNDLE --keys KEYFILE"),
            Paragraph("Changes to who may approve, since the previous incident:"),
            changes,
        ),
    )


def _accounts(review: dict[str, Any]) -> Section:
    rows = []
    for a in review["accounts"]:
        sessions = "; ".join(
            f"{s['purpose']} {clock(s['issued'])}–{clock(s['expires'])}" for s in a["sessions"]
        )
        consoles = ", ".join(clock(t) for t in a["console_openings"]) or "—"
        revocation = a.get("revocation")
        revoked = (
            f"revoked, cut-off {clock(revocation['cutoff'])}" if revocation else "NOT recorded"
        )
        rows.append(
            (
                a.get("label") or a["account"],
                a.get("role_arn", ""),
                sessions or "—",
                consoles,
                revoked,
            )
        )
    return Section(
        "Accounts",
        (
            Table(
                (
                    Column("Account", 0.20),
                    Column("Role", 0.28, mono=True),
                    Column("Sessions", 0.20),
                    Column("Console opened", 0.12),
                    Column("Revocation", 0.20),
                ),
                tuple(rows),
                flagged=frozenset(
                    i for i, a in enumerate(review["accounts"]) if not a.get("revocation")
                ),
                empty="No account sessions were issued.",
            ),
            Paragraph(
                "Every role session carried the SourceIdentity "
                + (
                    ", ".join(
                        sorted(
                            {
                                a["source_identity"]
                                for a in review["accounts"]
                                if a.get("source_identity")
                            }
                        )
                    )
                    or "—"
                )
                + "; CloudTrail records it on every call the session made.",
                "note",
            ),
        ),
    )


def _activity(review: dict[str, Any]) -> Section:
    events = review["events"]
    table = Table(
        (
            Column("Time", 0.09),
            Column("Account", 0.14, mono=True),
            Column("Event", 0.20),
            Column("Source", 0.13),
            Column("Resource", 0.26, mono=True),
            Column("Error / flag", 0.18),
        ),
        tuple(
            (
                clock(e["time"]),
                e["account"],
                e["name"],
                e["source"].removesuffix(".amazonaws.com"),
                e.get("resource", ""),
                " · ".join(
                    x
                    for x in (
                        e.get("error_code", ""),
                        f"HIGH RISK: {e['high_risk']}" if e.get("high_risk") else "",
                    )
                    if x
                ),
            )
            for e in events
        ),
        flagged=frozenset(i for i, e in enumerate(events) if e.get("high_risk")),
        empty="No events captured.",
    )
    return Section(
        f"CloudTrail activity ({len(events)} events, {review['high_risk_count']} high-risk)",
        (table,),
    )


def _evidence(evidence: dict[str, Any]) -> str:
    """A step's evidence in a line: the facts an auditor checks, not the raw record (that is in
    the JSON review)."""
    parts = []
    check = evidence.get("check")
    if isinstance(check, dict) and check.get("how"):
        parts.append(("verified: " if check.get("verified") else "NOT verified: ") + check["how"])
    for key in ("policy", "old_key", "new_key", "key_id", "message_id", "error"):
        if evidence.get(key):
            parts.append(f"{key.replace('_', ' ')} {evidence[key]}")
    if "alarms" in evidence and isinstance(evidence["alarms"], dict):
        fired = sum(1 for v in evidence["alarms"].values() if v)
        parts.append(f"{fired} of {len(evidence['alarms'])} alarms fired")
    if not parts:
        parts = [f"{k} {v}" for k, v in sorted(evidence.items()) if not isinstance(v, dict | list)][
            :4
        ]
    return "; ".join(parts) or "—"


def _ending(review: dict[str, Any]) -> Section:
    steps = Table(
        (Column("Step", 0.34, mono=True), Column("Result", 0.10), Column("Evidence", 0.56)),
        tuple(
            (s["step"], "done" if s["ok"] else "FAILED", _evidence(s["evidence"]))
            for s in review["steps"]
        )
        + tuple((f["step"], "FAILED", f["message"]) for f in review["failures"]),
        flagged=frozenset(
            range(len(review["steps"]), len(review["steps"]) + len(review["failures"]))
        ),
        empty="No step of the ending has run.",
    )
    detective = review["detective_controls"]
    alarms = Table(
        (Column("Alarm", 0.45, mono=True), Column("Result", 0.55)),
        tuple(
            (
                name,
                "fired"
                if fired
                else (
                    f"did not fire — {detective['not_expected'][name]}"
                    if name in detective["not_expected"]
                    else "DID NOT FIRE"
                ),
            )
            for name, fired in detective["alarms"].items()
        ),
        flagged=frozenset(
            i
            for i, (name, fired) in enumerate(detective["alarms"].items())
            if not fired and name not in detective["not_expected"]
        ),
        empty="The alarm history was not checked.",
    )
    blocks: list[Block] = [steps, Paragraph("Detective controls (the break-glass alarms):"), alarms]
    if detective.get("finding"):
        blocks.append(Paragraph(f"Finding: {detective['finding']}", "bad"))
    return Section("Revocation, rotation and verification", tuple(blocks))


def _notices(review: dict[str, Any]) -> Section:
    notifications = Table(
        (
            Column("Time", 0.12),
            Column("Event", 0.18),
            Column("Channel", 0.14),
            Column("Result", 0.56),
        ),
        tuple(
            (
                clock(n["at"]),
                n.get("event", ""),
                n.get("channel", ""),
                "sent" + (f", message {n['message_id']}" if n.get("message_id") else "")
                if n.get("sent")
                else f"FAILED: {n.get('error', '')}",
            )
            for n in review["notifications"]
        ),
        flagged=frozenset(i for i, n in enumerate(review["notifications"]) if not n.get("sent")),
    )
    anchor = review["anchor"]
    written = ", ".join(str(w["seq"]) for w in anchor["written"])
    blocks: list[Block] = [
        notifications,
        Paragraph(
            f"{len(anchor['written'])} checkpoint(s) of the journal written to {anchor['where']} "
            "(Object Lock, compliance mode)" + (f", after entries {written}." if written else ".")
        ),
    ]
    if anchor["failed"]:
        blocks.append(
            Paragraph(
                "Not anchored: "
                + "; ".join(f"entry {f['seq']} ({f['error']})" for f in anchor["failed"])
                + ".",
                "bad",
            )
        )
    blocks.append(Code(f"python main.py verify JOURNAL --anchor {anchor['where']}"))
    return Section("Notifications and checkpoints", tuple(blocks))


def _notes(review: dict[str, Any]) -> Section:
    return Section(
        "Findings and lessons learned",
        (
            Facts(
                (
                    ("Findings (the operator's)", review["findings"] or "—"),
                    ("Lessons learned", review["lessons"] or "—"),
                )
            ),
        ),
    )


def _timeline(review: dict[str, Any]) -> Section:
    """Every entry of the incident, but a step's intent only when no outcome followed it (a
    crash in between): the outcome's row says what was done and how it ended."""
    start = review["incident"]["declared_at"]
    concluded = {t["effect"] for t in review["timeline"] if t["kind"] == "effect.outcome"}
    shown = [
        t
        for t in review["timeline"]
        if not (t["kind"] == "effect.intent" and t.get("effect") in concluded)
    ]
    return Section(
        "Timeline",
        (
            Table(
                (
                    Column("#", 0.06),
                    Column("Time", 0.10),
                    Column("Since declared", 0.13),
                    Column("Entry", 0.21),
                    Column("Detail", 0.50),
                ),
                tuple(
                    (str(t["seq"]), clock(t["ts"]), since(t["ts"], start), t["kind"], t["summary"])
                    for t in shown
                ),
                flagged=frozenset(
                    i for i, t in enumerate(shown) if t["summary"].startswith("FAILED")
                ),
            ),
        ),
    )


def _journal(review: dict[str, Any]) -> Section:
    journal = review["journal"]
    return Section(
        "Journal",
        (
            Facts(
                (
                    ("Journal", journal["journal_id"]),
                    ("Entries", str(len(journal["entries"]))),
                    ("Chain hash before the incident", journal["anchor"]),
                    ("Final chain hash", journal["final_hash"]),
                )
            ),
            *_how_to_verify(review),
            Paragraph(
                "The journal itself (the database, which goes on after the review with the "
                "export and the closing) is checked entry by entry, and against the checkpoints "
                "written off the workstation, with:",
                "note",
            ),
            Code(f"python main.py verify JOURNAL --anchor {review['anchor']['where']}"),
        ),
    )


def _appendix(review: dict[str, Any]) -> Section:
    """Raw CloudTrail records, for the high-risk events only (the JSON review has them all)."""
    blocks = tuple(
        Code(
            _raw(e["raw"]),
            caption=f"{clock(e['time'])} {e['name']} in {e['account']} — {e['high_risk']} "
            f"(event {e['event_id']})",
        )
        for e in review["events"]
        if e.get("high_risk") and e.get("raw")
    )
    return Section("Appendix A: high-risk events, raw records", blocks, appendix=True)


def _raw(raw: str) -> str:
    """The record with one top-level field per line, each value as compact JSON: as exact as
    the record, half the pages of an indented dump."""
    try:
        record = json.loads(raw)
    except (TypeError, ValueError):
        return str(raw)
    if not isinstance(record, dict):
        return json.dumps(record, ensure_ascii=False)
    return "\n".join(
        f"{json.dumps(key, ensure_ascii=False)}: "
        f"{json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(', ', ': '))}"
        for key, value in sorted(record.items())
    )
