"""The review's sections after the summary, in the order document.py lists them: request and
approvals, accounts, CloudTrail activity, the ending with its evidence and the alarms,
notifications and checkpoints, findings and lessons, the timeline, the journal, and the appendix
of raw high-risk records."""

from __future__ import annotations

import json
from typing import Any

from breakglass_gui.core.humane import clock, duration, since, when
from breakglass_gui.core.review.blocks import (
    Block,
    Code,
    Column,
    Facts,
    Paragraph,
    Section,
    Table,
)
from breakglass_gui.core.review.summary import how_to_verify, method_name


def approvals(review: dict[str, Any]) -> Section:
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


def accounts(review: dict[str, Any]) -> Section:
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


def activity(review: dict[str, Any]) -> Section:
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


def ending(review: dict[str, Any]) -> Section:
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


def notices(review: dict[str, Any]) -> Section:
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


def notes(review: dict[str, Any]) -> Section:
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


def timeline(review: dict[str, Any]) -> Section:
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


def journal(review: dict[str, Any]) -> Section:
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
            *how_to_verify(review),
            Paragraph(
                "The journal itself (the database, which goes on after the review with the "
                "export and the closing) is checked entry by entry, and against the checkpoints "
                "written off the workstation, with:",
                "note",
            ),
            Code(f"python main.py verify JOURNAL --anchor {review['anchor']['where']}"),
        ),
    )


def appendix(review: dict[str, Any]) -> Section:
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
