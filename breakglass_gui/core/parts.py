"""The collaborators of one incident, as handed to the ending (docs/architecture.md, "Core")."""

from __future__ import annotations

from dataclasses import dataclass

from breakglass_gui.core.access import Access
from breakglass_gui.core.anchoring import Anchoring
from breakglass_gui.core.custody import Custody
from breakglass_gui.core.deps import Deps
from breakglass_gui.core.notifications.announcer import Announcer
from breakglass_gui.core.recorder import Recorder
from breakglass_gui.core.vault_steps import VaultSteps


@dataclass(frozen=True)
class Parts:
    deps: Deps
    recorder: Recorder  # the journal-first rule and the incident's replayed state
    custody: Custody  # every secret held, in memory only
    vault: VaultSteps  # login, the record, the token's life
    access: Access  # MFA, accounts, role sessions, the console
    announcer: Announcer  # notices on every configured channel
    anchoring: Anchoring  # checkpoints of the journal off the workstation
