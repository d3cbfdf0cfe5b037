"""Every kind of journal entry the app writes: what it means, and an example payload.

For auditors and anyone writing their own verifier (docs/auditor-guide.md). The reference
docs/journal-reference.md is generated from this table (`python scripts/references.py`)
and cannot drift from it: tests check that the committed reference is the rendering, that
every kind the app writes while the suite runs is listed here (tests/conftest.py), and that the
examples have the keys real entries have (tests/docs, against a drill's journal).

The examples are shortened (lists cut to one item, long values to a few characters) and
their ids invented; the shapes are real. No payload ever holds a secret (core/canonical.py
refuses anything but plain data, and tests/hygiene scans every journal a drill writes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from breakglass_gui.core.incident import State

INCIDENT = "BG-20261202-VXL7"
HASH = "82a05c02f804a65156fe65d14ea787d6b5b539853972b8e38f06942bcbd41f09"
DIGEST = "9fb33989980c9c32a2e4531bb270c3a63238f9f3379abc7a3d840345794181f5"
ROLE_ARN = "arn:aws:iam::210000000001:role/a-tmpl-prod-rol-break-glass"


@dataclass(frozen=True)
class Kind:
    group: str
    meaning: str
    example: dict[str, Any]


KINDS: dict[str, Kind] = {
    # ----- the incident ------------------------------------------------------------------------
    "incident.declared": Kind(
        "incident",
        "The request as the operator declared it: the first entry of every incident.",
        {
            "incident_id": INCIDENT,
            "emergency_type": "Outage of Active Directory",
            "other_text": "",
            "justification": "Active Directory is down; payments API failing in prod.",
            "reference": "INC-4711",
            "operator": "jdoe",
            "duration_seconds": 3600,
            "accounts": ["210000000001"],
            "drill": False,
        },
    ),
    "incident.transition": Kind(
        "incident",
        f"A state change ({', '.join(State)}); `verify` replays each against the evidence "
        "before it.",
        {"from": "APPROVED", "to": "ACTIVE"},
    ),
    "incident.request_amended": Kind(
        "incident",
        "The request changed before or after approval (accounts widened): earlier sign-offs are "
        "void and the new text must be signed.",
        {
            "request": {"incident_id": INCIDENT, "accounts": ["210000000001", "210000000002"]},
            "widened": ["210000000002"],
        },
    ),
    "incident.accounts": Kind(
        "incident",
        "The accounts chosen for access on the accounts page (within the signed request).",
        {"accounts": ["210000000001"]},
    ),
    "incident.resumed": Kind(
        "incident",
        "A relaunch found the incident unfinished and took it up; `in_doubt` lists the effects "
        "whose outcome the crash hid (each is checked against AWS or Vault before going on).",
        {"state": "REVOKED", "in_doubt": ["rotate:break-glass-user"]},
    ),
    "incident.tampering_detected": Kind(
        "incident",
        "Replaying the journal found a transition the procedure could not have made; the "
        "incident opens in recovery.",
        {"problem": "CLOSED after ACTIVE without revocation"},
    ),
    "directory.snapshot": Kind(
        "incident",
        "The Organizations account snapshot the wizard listed, by its SHA-256 (accounts sync).",
        {
            "sha256": HASH,
            "synced_at": "2026-12-01T06:00:00Z",
            "organization_id": "o-h8g19g0vda",
            "accounts": 1000,
            "path": "/home/op/.local/share/breakglass/accounts.json",
        },
    ),
    # ----- approvals ---------------------------------------------------------------------------
    "approval.requested": Kind(
        "approvals",
        "The exact text the approvers sign, its digest and when it stops being signable.",
        {
            "request_id": "R-481977F092DE787A",
            "text": "Break Glass approval request\nformat: breakglass-approval/1\n…",
            "digest": DIGEST,
            "challenge": HASH,
            "issued_at": 1796181978.254,
            "not_after": "2026-12-02T03:56:18.254Z",
        },
    ),
    "approval.granted": Kind(
        "approvals",
        "One sign-off: who, in which role, by which key (fingerprint) and the signature itself "
        "(`evidence`), over the digest above. `verify-approvals` re-checks it offline.",
        {
            "request_id": "R-481977F092DE787A",
            "role": "primary",
            "approver": "ciso",
            "name": "Alex Chief",
            "method": "ssh",
            "fingerprint": "SHA256:7NvSCHa9Zuy9mzSauBPh4zBXrnIlZjhucd82Ou6dOi0",
            "digest": DIGEST,
            "challenge": HASH,
            "at": "2026-12-02T03:26:18.256Z",
            "evidence": {"signature": "-----BEGIN SSH SIGNATURE-----\n…"},
        },
    ),
    "approval.refused": Kind(
        "approvals",
        "A sign-off that did not hold (wrong signature or PIN, wrong person, expired text), with "
        "the message shown.",
        {
            "role": "primary",
            "approver": "ciso",
            "code": "approval.wrong_pin",
            "message": "Wrong PIN for the security key. 2 attempts left before a 5-minute lockout.",
            "field": "code",
        },
    ),
    "approval.reapproved": Kind(
        "approvals",
        "A widened request was signed again; its new digest.",
        {"digest": DIGEST},
    ),
    "approver.state": Kind(
        "approvals",
        "An approver's counters after an attempt (last code step used, failures, lockout): "
        "chained, so resetting a lockout is an edit the chain shows.",
        {
            "approver": "ciso",
            "last_step": 59872735,
            "failures": 0,
            "locked_until": 0.0,
            "why": "signed",
        },
    ),
    "approver.locked_out": Kind(
        "approvals",
        "Three wrong answers: the approver is locked out until the time given.",
        {"approver": "ciso", "until": "2026-12-02T03:31:18.000Z"},
    ),
    "approver.enrolled": Kind(
        "approver registry",
        "A public key enrolled (ssh or FIDO2): the registry is the chain of these and removals; "
        "`signed_by` names the approvers who signed the change (empty for a role's first).",
        {
            "approver": "cfo",
            "role": "secondary",
            "method": "ssh",
            "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA…",
            "fingerprint": "SHA256:7NvSCHa9Zuy9mzSauBPh4zBXrnIlZjhucd82Ou6dOi0",
            "credential_id": "",
            "counter": 0,
            "rp_id": "",
            "change_id": "C-0123456789ABCDEF",
            "registry_before": HASH,
            "signed_by": ["ciso", "cfo2"],
        },
    ),
    "approver.removed": Kind(
        "approver registry",
        "An approver's key removed (a signed change).",
        {"approver": "cfo", "role": "secondary"},
    ),
    # ----- Vault and the operator --------------------------------------------------------------
    "vault.server": Kind(
        "vault",
        "Which Vault answered (cluster and version).",
        {"cluster_name": "vault-cluster-834a1b41", "version": "2.7.2"},
    ),
    "vault.unseal_progress": Kind(
        "vault",
        "Unseal shares entered so far (the shares themselves never).",
        {"progress": 1, "sealed": True, "threshold": 3},
    ),
    "operator.proven": Kind(
        "vault",
        "Vault's login proved the operator's identity: it becomes the sessions' SourceIdentity.",
        {"operator": "jdoe", "vault_identity": "jdoe", "entity_id": "16bb2f84-c888-4662-…"},
    ),
    "operator.unproven": Kind(
        "vault",
        "The login did not prove who the operator is (the roster names no Vault identity).",
        {"operator": "jdoe", "why": "the roster names no vault_identity"},
    ),
    "operator.refused": Kind(
        "vault",
        "The Vault login belongs to someone else than the declared operator: refused.",
        {"operator": "jdoe", "claimed": "jdoe", "vault_says": "rroe"},
    ),
    "vault.record_read": Kind(
        "vault",
        "The break-glass record was read: which user, MFA device, access key id and version "
        "(never the secret key or password).",
        {
            "user": "break-glass-user",
            "account_id": "111111111111",
            "mfa_serial": "arn:aws:iam::111111111111:mfa/break-glass-user",
            "access_key_id": "AKIAEXAMPLEINVENTED0",
            "version": 1,
        },
    ),
    "vault.token_lapsed": Kind(
        "vault",
        "The Vault token expired before the incident ended (by its accessor).",
        {"accessor": "r5uUuEbvq4p7fTHYYxUImt6w"},
    ),
    "vault.token_orphaned": Kind(
        "vault",
        "A token a crashed run left behind that could not be revoked; when it lapses.",
        {"accessor": "cN0SwbRS9mI94PwYmySxkByL", "lapses_at": "2026-12-02T03:57:47Z"},
    ),
    # ----- AWS ---------------------------------------------------------------------------------
    "aws.clock_check": Kind(
        "aws",
        "This workstation's clock against AWS's `Date` header, before any code is sent.",
        {
            "caller": "arn:aws:iam::111111111111:user/break-glass-user",
            "level": "ok",
            "skew_seconds": 0.5,
        },
    ),
    "session.mfa": Kind(
        "aws",
        "The MFA session (GetSessionToken): its access key id and expiry.",
        {"access_key_id": "ASIAEXAMPLEINVENTED1", "expires": "2026-12-02T04:26:18.628Z"},
    ),
    "session.issued": Kind(
        "aws",
        "A role session (AssumeRole, RoleSessionName = the incident id): account, role, purpose "
        "(`target`, or a service session the app needs), its access key id as CloudTrail shows "
        "it, SourceIdentity and times.",
        {
            "account": "210000000001",
            "role_arn": ROLE_ARN,
            "purpose": "target",
            "access_key_id": "ASIAEXAMPLEINVENTED2",
            "source_identity": "jdoe",
            "chained": True,
            "issued": "2026-12-02T03:26:18.705Z",
            "expires": "2026-12-02T04:26:18.686Z",
        },
    ),
    "console.opened": Kind(
        "aws",
        "A federated console sign-in URL was handed to the browser for this account.",
        {"account": "210000000001"},
    ),
    "activity.events": Kind(
        "aws",
        "CloudTrail events the session window saw (new ones since the last such entry).",
        {
            "events": [
                {
                    "account": "210000000001",
                    "actor": "operator",
                    "error_code": "",
                    "event_id": "6a447510-1889-4825-85e9-9cce001173f0",
                    "high_risk": "",
                    "name": "ConsoleLogin",
                    "region": "eu-central-1",
                    "resource": "",
                    "session_name": INCIDENT,
                    "source": "signin.amazonaws.com",
                    "source_ip": "198.51.100.23",
                    "time": "2026-12-02T03:26:19Z",
                }
            ]
        },
    ),
    "activity.source_error": Kind(
        "aws",
        "An activity source (LookupEvents, log polling, Live Tail) failed; the panel says so.",
        {"errors": ["CloudWatch Logs (polling): AWS cannot be reached (network failure …"]},
    ),
    # ----- side effects ------------------------------------------------------------------------
    "effect.intent": Kind(
        "effects",
        "Before a side effect (unseal, login, AssumeRole, revocation, rotation, …): what is "
        "about to be done. Durable before the call is made.",
        {
            "effect": "sts.assume_role",
            "key": "sts.assume_role:210000000001",
            "account": "210000000001",
            "role_arn": ROLE_ARN,
            "purpose": "target",
            "duration": 3600,
            "session_name": INCIDENT,
            "source_identity": "jdoe",
        },
    ),
    "effect.outcome": Kind(
        "effects",
        "After it: ok or not, its evidence, and Vault's request ids where Vault was called. An "
        "intent without an outcome is what a crash left in doubt.",
        {
            "effect": "vault.read_record",
            "key": "vault.read_record",
            "ok": True,
            "evidence": {},
            "vault_request_ids": ["1705ddba-440d-1810-a405-a3d2988837aa"],
        },
    ),
    # ----- notices and checkpoints -------------------------------------------------------------
    "notification.queued": Kind(
        "notices",
        "A notice owed (activation, a session): sent once the step is done, by the next run if "
        "this one dies first.",
        {
            "notice": "b1a6c2919e9e",
            "event": "activated",
            "subject": f"Break glass ACTIVE: {INCIDENT}",
            "extra": {},
            "channels": ["sns"],
        },
    ),
    "notification.sent": Kind(
        "notices",
        "A notice delivered on one channel (SNS message id, attempts).",
        {
            "notice": "b1a6c2919e9e",
            "event": "activated",
            "channel": "sns",
            "sent": True,
            "attempts": 1,
            "message_id": "245b75f1-025d-4af8-a7d5-102f043dad9d",
        },
    ),
    "notification.failed": Kind(
        "notices",
        "A notice that could not be delivered on one channel after its retries.",
        {
            "notice": "b1a6c2919e9e",
            "event": "activated",
            "channel": "sns",
            "sent": False,
            "attempts": 3,
            "error": "AWS cannot be reached (network failure or timeout).",
        },
    ),
    "anchor.written": Kind(
        "notices",
        "A checkpoint {incident, seq, hash, state, time, registry_hash, journal} stored in the "
        "Object Lock bucket: its key and S3 version id.",
        {
            "seq": 41,
            "hash": HASH,
            "state": "ACTIVE",
            "key": f"checkpoints/{INCIDENT}/0000000041.json",
            "version": "0eb1c86f-949b-4c9e-97bd-b8af88057189",
            "where": "s3://a-tmpl-prod-s3-break-glass-anchor-111111111111/checkpoints/",
        },
    ),
    "anchor.failed": Kind(
        "notices",
        "A checkpoint that could not be written after its retries (listed in the review).",
        {
            "seq": 41,
            "key": f"checkpoints/{INCIDENT}/0000000041.json",
            "error": "AWS cannot be reached (network failure or timeout).",
        },
    ),
    # ----- the review --------------------------------------------------------------------------
    "review.notes": Kind(
        "review",
        "The operator's findings and lessons, as typed on the review page.",
        {"findings": "Payments API restored.", "lessons": "Keep the AD runbook offline too."},
    ),
    "review.exported": Kind(
        "review",
        "The review's files, the entries it carries and the chain hash it ends on (the hash of "
        "entry `through_seq`, shown on the closed screen).",
        {
            "files": [f"{INCIDENT}-review.html", f"{INCIDENT}-approvals.json"],
            "entries": 88,
            "through_seq": 90,
            "final_hash": HASH,
        },
    ),
    "review.failed": Kind(
        "review",
        "The review could not be written (the operator is told where and why).",
        {"code": "review.write", "message": "The review could not be written to /media/usb: …"},
    ),
    # ----- the application ---------------------------------------------------------------------
    "journal.break_detected": Kind(
        "application",
        "At launch, the journal failed verification: what `verify` says.",
        {"detail": "journal broken at entry 57: its hash does not match (edited)"},
    ),
    "ui.error": Kind(
        "application",
        "An error shown to the operator (its context, code and the message as shown).",
        {
            "context": "keyring",
            "code": "keyring",
            "message": "Approver codes cannot be stored: no OS keyring is available …",
        },
    ),
    "app.crash": Kind(
        "application",
        "An unexpected error: its type, where, and the (redacted) message.",
        {"type": "KeyError", "where": ["session.py:120 open_console"], "message": "'account'"},
    ),
    "app.quit_unfinished": Kind(
        "application",
        "The operator quit with an incident not finished: the state it was left in (the next "
        "launch opens it in recovery).",
        {"state": "DECLARED"},
    ),
}


def render_reference() -> str:
    """docs/journal-reference.md."""
    lines = [
        "# Journal entry kinds",
        "",
        "<!-- Generated from breakglass_gui/core/journal_kinds.py by "
        "`python scripts/references.py`; do not edit by hand. -->",
        "",
        "Every entry is `{seq, ts, incident, kind, payload, v, journal, hash}` (the hash rule: "
        "[auditor guide](auditor-guide.md#the-hash-rule-write-your-own-verifier)). These are the "
        "kinds the app writes, what each means and an example `payload` (shortened: lists cut "
        "to one item, long values to a few characters; ids invented).",
        "",
    ]
    groups: dict[str, list[str]] = {}
    for name, kind in KINDS.items():
        groups.setdefault(kind.group, []).append(name)
    for group, names in groups.items():
        lines += [f"## {group[0].upper()}{group[1:]}", ""]
        for name in names:
            kind = KINDS[name]
            lines += [f"### `{name}`", "", kind.meaning, "", "```json"]
            lines += [json.dumps(kind.example, indent=2, sort_keys=True, ensure_ascii=False)]
            lines += ["```", ""]
    return "\n".join(lines).rstrip() + "\n"
