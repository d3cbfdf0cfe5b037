"""One page per step of the procedure (SPEC §2–§6), each a thin skin over the core.

`PAGES` names every page as "module:Class" under this package. The window imports and builds a
page the first time it is shown, so the cold start pays only for the first ones (SPEC §13); the
rest are imported on a worker during the warm-up and built one per event-loop turn after it.
"""

PAGES: dict[str, str] = {
    "startup": "startup:StartupPage",
    "first_run": "startup:FirstRunPage",
    "recovery": "recovery:RecoveryPage",
    "emergency": "emergency:EmergencyPage",
    "approvals": "approvals:ApprovalsPage",
    "vault": "vault:VaultPage",
    "mfa": "mfa:MfaPage",
    "accounts": "accounts:AccountsPage",
    "session": "session:SessionPage",
    "ending": "ending:EndingPage",
    "review": "review:ReviewPage",
    "done": "done:DonePage",
}
