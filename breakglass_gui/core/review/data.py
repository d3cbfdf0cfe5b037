"""Build the review as plain data. Everything comes from the journal and the events seen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from breakglass_gui.core.approval_bundle import bundle
from breakglass_gui.core.approver_keys import registry_of
from breakglass_gui.core.aws.blueprint import build_blueprint
from breakglass_gui.core.chain import TRANSITION, Entry
from breakglass_gui.core.humane import clock, duration
from breakglass_gui.core.incident import State

if TYPE_CHECKING:
    from breakglass_gui.core.aws.activity import ActivityEvent
    from breakglass_gui.core.config.model import Config
    from breakglass_gui.core.directory import AccountDirectory
    from breakglass_gui.core.incident import Incident
    from breakglass_gui.core.journal import Journal


class ReviewSubject(Protocol):
    """What a review is built from (a Procedure is one): the incident, its journal and config,
    and the raw events this run saw (the journal keeps summaries only)."""

    @property
    def id(self) -> str: ...

    @property
    def incident(self) -> Incident: ...

    @property
    def journal(self) -> Journal: ...

    @property
    def config(self) -> Config: ...

    @property
    def directory(self) -> AccountDirectory: ...

    def seen_events(self) -> list[ActivityEvent]: ...


FORMAT = "breakglass-review/1"


def _seconds_between(transitions: dict[str, str], start: State, end: State) -> float | None:
    if start.value not in transitions or end.value not in transitions:
        return None
    a = datetime.fromisoformat(transitions[start.value].replace("Z", "+00:00"))
    b = datetime.fromisoformat(transitions[end.value].replace("Z", "+00:00"))
    return round((b - a).total_seconds(), 3)


# The timeline's line for the entries an auditor reads most, in words (the payload itself is
# in the JSON review); any other kind is shown field by field.
READABLE: dict[str, Callable[[dict[str, Any]], str]] = {
    "incident.declared": lambda p: (
        f"{p['emergency_type']}, {duration(p['duration_seconds'])} asked for by "
        f"{p['operator']}" + (f", reference {p['reference']}" if p.get("reference") else "")
    ),
    "approval.requested": lambda p: (
        f"request {p['request_id']} to sign by {clock(p['not_after'])} UTC, "
        f"digest {p['digest'][:16]}…"
    ),
    "incident.accounts": lambda p: "accounts chosen: " + ", ".join(p["accounts"]),
    "directory.snapshot": lambda p: (
        f"accounts listed from the Organizations snapshot of {clock(p['synced_at'])} UTC "
        f"({p['accounts']} accounts, sha256 {p['sha256'][:16]}…)"
    ),
    "vault.unseal_progress": lambda p: (
        "Vault unsealed" if not p["sealed"] else f"{p['progress']} of {p['threshold']} shares"
    ),
    "operator.proven": lambda p: f"{p['operator']} proven by Vault as {p['vault_identity']}",
    "vault.server": lambda p: f"OpenBao/Vault {p['version']}, cluster {p['cluster_name']}",
    "vault.record_read": lambda p: (
        f"record version {p['version']} of {p['user']} read (access key {p['access_key_id']})"
    ),
    "aws.clock_check": lambda p: f"clock {p['level']}: {p['skew_seconds']:+.1f} s from AWS",
    "session.mfa": lambda p: f"MFA session until {clock(p['expires'])} UTC",
    "session.issued": lambda p: (
        f"{p['purpose']} session in {p['account']} until {clock(p['expires'])} UTC"
        + (f", SourceIdentity {p['source_identity']}" if p.get("source_identity") else "")
    ),
    "notification.sent": lambda p: f"{p['event']} notice sent on {p['channel']}",
    "notification.failed": lambda p: f"{p['event']} notice FAILED on {p['channel']}",
    "notification.queued": lambda p: f"{p['event']} notice owed (sent when the step is done)",
    "anchor.written": lambda p: f"checkpoint of entry {p['seq']} ({p['state']}) anchored",
    "review.notes": lambda p: "findings and lessons written",
}


def summary_of(entry: Entry) -> str:
    p = entry.payload
    if entry.kind == TRANSITION:
        return f"{p.get('from') or '—'} → {p.get('to')}" + (
            f" ({p['reason']})" if p.get("reason") else ""
        )
    if entry.kind in ("effect.intent", "effect.outcome"):
        what = p.get("key", p.get("effect", ""))
        if entry.kind == "effect.intent":
            return f"intent: {what}"
        return f"{'ok' if p.get('ok') else 'FAILED'}: {what}" + (
            "" if p.get("ok") else f" — {p.get('message', '')}"
        )
    if entry.kind == "activity.events":
        return f"{len(p.get('events', []))} CloudTrail event(s) captured"
    readable = READABLE.get(entry.kind)
    if readable is not None:
        try:
            return readable(p)
        except (KeyError, TypeError, ValueError):
            pass  # an entry of an older or unexpected shape: shown field by field below
    if entry.kind.startswith("approval."):
        return f"{p.get('role', '')} {p.get('approver', '')} {p.get('message', '')}".strip()
    return ", ".join(f"{k}={v}" for k, v in sorted(p.items()) if not isinstance(v, dict | list))[
        :300
    ]


def _alarm_finding(alarms: dict[str, Any], expected_silent: dict[str, str]) -> str:
    if alarms.get("all_fired"):
        return ""
    if not alarms.get("checked"):
        return "The alarm history could not be checked: " + str(alarms.get("error", "not run"))
    silent = ", ".join(
        sorted(
            n
            for n, fired in alarms.get("alarms", {}).items()
            if not fired and n not in expected_silent
        )
    )
    if not silent:
        return ""  # what stayed silent could not have fired: not a finding
    return (
        f"These break-glass alarms did not fire for this incident: {silent}. The detective "
        "controls (metric filter patterns, alarms, SNS subscriptions) must be reviewed."
    )


def file_name(incident_id: str, kind: str, drill: bool) -> str:
    """The stem of an exported file ("BG-…-review-DRILL"): a drill's files say so."""
    return f"{incident_id}-{kind}" + ("-DRILL" if drill else "")


def build_review(procedure: ReviewSubject) -> dict[str, Any]:
    incident = procedure.incident
    journal = procedure.journal
    config = procedure.config
    anchor, span = journal.span(incident.id)
    own = [e for e in span if e.incident == incident.id]
    request = incident.request
    transitions = dict(incident.transitions)
    drill = bool(own[0].payload.get("drill")) if own else False

    accounts: dict[str, dict[str, Any]] = {}
    for entry in own:
        p = entry.payload
        if entry.kind == "session.issued":
            acct = accounts.setdefault(
                p["account"],
                {
                    "account": p["account"],
                    "label": procedure.directory.label(p["account"]),
                    "role_arn": p["role_arn"],
                    "source_identity": p.get("source_identity", ""),
                    "sessions": [],
                    "console_openings": [],
                    "revocation": None,
                },
            )
            acct["sessions"].append(
                {"purpose": p["purpose"], "issued": p["issued"], "expires": p["expires"]}
            )
        elif entry.kind == "console.opened":
            accounts.setdefault(
                p["account"], {"account": p["account"], "sessions": [], "console_openings": []}
            )
            accounts[p["account"]]["console_openings"].append(entry.ts)

    steps: list[dict[str, Any]] = []
    for key, outcome in incident.done_effects.items():
        if key.startswith(("revoke.", "rotate:", "verify.", "check.alarms", "notify.revoked")):
            steps.append({"step": key, "ok": True, "evidence": outcome.get("evidence", {})})
            if key.startswith("revoke.role:") and key.split(":", 1)[1] in accounts:
                accounts[key.split(":", 1)[1]]["revocation"] = outcome.get("evidence", {})
    failures = [
        {"step": k, "message": v.get("message", ""), "code": v.get("code", "")}
        for k, v in incident.failed_effects.items()
    ]
    for entry in own:
        if entry.kind == "effect.outcome" and not entry.payload.get("ok"):
            item = {
                "step": entry.payload.get("key"),
                "message": entry.payload.get("message", ""),
                "code": entry.payload.get("code", ""),
                "at": entry.ts,
            }
            if item not in failures:
                failures.append(item)

    events_seen = {e.event_id: e for e in procedure.seen_events()}
    events: list[dict[str, Any]] = []
    for entry in own:
        if entry.kind == "activity.events":
            for summary in entry.payload.get("events", []):
                live = events_seen.get(summary["event_id"])
                events.append({**summary, "raw": live.raw if live else ""})
    alarms = incident.done_effects.get("check.alarms", {}).get("evidence", {})
    expected_silent = build_blueprint(config, accounts=()).monitoring.expected_silent()
    detective = {
        "checked": bool(alarms.get("checked")),
        "alarms": alarms.get("alarms", {}),
        "not_expected": {
            name: why for name, why in expected_silent.items() if name in alarms.get("alarms", {})
        },
        "finding": _alarm_finding(alarms, expected_silent),
    }
    notes = next((e.payload for e in reversed(own) if e.kind == "review.notes"), {})
    notifications = [
        e.payload | {"at": e.ts}
        for e in own
        if e.kind in ("notification.sent", "notification.failed")
    ]
    # A notice journaled as owed that no channel answered (the app died and no later run got as
    # far as sending it): listed as not sent, so the summary counts it among the failures.
    notifications += [
        {"event": e.payload["event"], "channel": channel, "sent": False, "at": e.ts,
         "error": "never sent: the app stopped before it went out"}
        for e in own
        if e.kind == "notification.queued" and e.payload.get("notice") in incident.queued_notices
        for channel in incident.queued_notices[e.payload["notice"]]["left"]
    ]  # fmt: skip
    return {
        "format": FORMAT,
        "drill": drill,
        "organisation": config.organisation.name,
        "incident": {
            "id": incident.id,
            "state": incident.state.value,
            "declared_at": incident.declared_at,
            "operator": request.operator,
            # Who Vault proved the operator to be (issue 18, item 4), or why not.
            "operator_proof": incident.operator_proof,
            "emergency_type": request.emergency_type,
            "other_text": request.other_text,
            "justification": request.justification,
            "reference": request.reference,
            "duration_seconds": request.duration_seconds,
            "vault_user": incident.vault_user,
            "mfa_serial": incident.mfa_serial,
            "mfa_mode": config.session.mfa_mode,
        },
        "vault": {
            # Which Vault answered, and every request id the journal has for it: an auditor
            # finds each one in that server's audit log.
            "version": incident.vault_server.get("version", ""),
            "cluster_name": incident.vault_server.get("cluster_name", ""),
            "request_ids": [
                rid
                for e in own
                if e.kind == "effect.outcome"
                for rid in e.payload.get("vault_request_ids", [])
            ],
            "orphaned_tokens": [
                {
                    "accessor": a,
                    "lapses_at": t.get("expires_at", ""),
                    "revoked": bool(t.get("revoked")),
                }
                for a, t in incident.orphaned_tokens.items()
            ],
        },
        "request_digest": request.digest,
        "approvals": incident.approvals,
        # The request text both approvers signed, their signatures and key fingerprints: also
        # exported on its own beside the review, for `main.py verify-approvals`.
        "approval_bundle": bundle(
            incident.id,
            incident.approval_request,
            incident.approvals,
            registry_of(journal),
        ),
        "timing": {
            "time_to_access_seconds": _seconds_between(transitions, State.DECLARED, State.ACTIVE),
            "time_to_revoke_seconds": _seconds_between(transitions, State.ENDING, State.REVOKED),
            "time_to_rotate_seconds": _seconds_between(transitions, State.ENDING, State.ROTATED),
            "transitions": transitions,
        },
        "accounts": list(accounts.values()),
        "events": events,
        "high_risk_count": sum(1 for e in events if e.get("high_risk")),
        "steps": steps,
        "failures": failures,
        "notifications": notifications,
        "detective_controls": detective,
        "findings": notes.get("findings", ""),
        "lessons": notes.get("lessons", ""),
        "timeline": [
            {
                "seq": e.seq,
                "ts": e.ts,
                "kind": e.kind,
                "summary": summary_of(e),
                # Which step an effect entry is about: an intent and its outcome share it.
                "effect": str(e.payload.get("key", "")) if e.kind.startswith("effect.") else "",
            }
            for e in own
        ],
        # Who could approve changed since the previous incident: enrolments are listed here.
        "registry_changes": [
            {
                "at": e.ts,
                "change": e.kind,
                "approver": e.payload.get("approver", ""),
                "role": e.payload.get("role", ""),
                "method": e.payload.get("method", ""),
                "fingerprint": e.payload.get("fingerprint", ""),
                # Who signed the change (none: the first approver of a role, or `totp`).
                "signed_by": [
                    f"{a.get('role')}: {a.get('approver')}" for a in e.payload.get("signed_by", [])
                ],
            }
            for e in journal.registry_changes_before(incident.id)
        ],
        # The checkpoints written off the workstation (core/anchoring.py), and those that
        # could not be.
        "anchor": {
            "where": f"s3://{config.anchor_bucket}/{config.anchor.prefix}",
            "written": [
                {k: e.payload.get(k, "") for k in ("seq", "state", "key", "version")}
                for e in own
                if e.kind == "anchor.written"
            ],
            "failed": [
                {k: e.payload.get(k, "") for k in ("seq", "key", "error")}
                for e in own
                if e.kind == "anchor.failed"
            ],
        },
        # An impossible transition the replay found (core/integrity.py), "" if none.
        "tampering": incident.tampering,
        "journal": {
            "journal_id": journal.id,
            "anchor": anchor,
            "entries": [e.as_dict() for e in span],
            "final_hash": span[-1].hash if span else anchor,
            # The JSON review carries its entries: `verify` recomputes the chain from it alone.
            "how_to_verify": "python main.py verify "
            + file_name(incident.id, "review", drill)
            + ".json",
        },
    }
