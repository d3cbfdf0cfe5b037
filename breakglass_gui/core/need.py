"""What the procedure needs next from the operator: the wizard and the recovery screen route
on this value (docs/architecture.md, "The incident state machine")."""

from __future__ import annotations

from enum import StrEnum


class Need(StrEnum):
    APPROVALS = "approvals"  # two approver sign-offs
    VAULT = "vault"  # unlock Vault (again): the record or a token is needed
    MFA = "mfa"  # an MFA code for a new MFA session (session mode)
    ACCOUNTS = "accounts"  # choose the accounts (direct mode: with a code)
    CODE = "code"  # direct mode: a fresh code for each account still without a session
    SESSIONS = "sessions"  # some account lacks a role session; the MFA session can chain one
    ACTIVE = "active"  # nothing: the session window
    REVOKE = "revoke"  # revoke and rotate
    REVIEW = "review"  # write the post-incident review
    CLOSE = "close"  # close the incident
    DONE = "done"  # closed or aborted
