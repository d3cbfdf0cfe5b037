"""One page per step of the procedure, each a thin skin over the core.

`PAGES` registers every page by its class, through a loader: the window imports and builds a
page the first time it is shown, so the cold start pays only for the first ones
(docs/architecture.md, "The UI"); after the warm-up (ui/app.py) the rest are imported and
built on the GUI thread, one per event-loop turn (Qt types are never created on a worker). A
loader is a typed import: mypy checks that each class exists, and
`tests/ui/test_page_registry.py` that each page's `name` is its key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from breakglass_gui.ui.pages.base import Page

PageLoader = Callable[[], "type[Page]"]


def _startup() -> type[Page]:
    from breakglass_gui.ui.pages.startup import StartupPage

    return StartupPage


def _first_run() -> type[Page]:
    from breakglass_gui.ui.pages.startup import FirstRunPage

    return FirstRunPage


def _recovery() -> type[Page]:
    from breakglass_gui.ui.pages.recovery import RecoveryPage

    return RecoveryPage


def _emergency() -> type[Page]:
    from breakglass_gui.ui.pages.emergency import EmergencyPage

    return EmergencyPage


def _approvals() -> type[Page]:
    from breakglass_gui.ui.pages.approvals import ApprovalsPage

    return ApprovalsPage


def _vault() -> type[Page]:
    from breakglass_gui.ui.pages.vault import VaultPage

    return VaultPage


def _mfa() -> type[Page]:
    from breakglass_gui.ui.pages.mfa import MfaPage

    return MfaPage


def _accounts() -> type[Page]:
    from breakglass_gui.ui.pages.accounts import AccountsPage

    return AccountsPage


def _session() -> type[Page]:
    from breakglass_gui.ui.pages.session import SessionPage

    return SessionPage


def _ending() -> type[Page]:
    from breakglass_gui.ui.pages.ending import EndingPage

    return EndingPage


def _review() -> type[Page]:
    from breakglass_gui.ui.pages.review import ReviewPage

    return ReviewPage


def _done() -> type[Page]:
    from breakglass_gui.ui.pages.done import DonePage

    return DonePage


PAGES: dict[str, PageLoader] = {
    "startup": _startup,
    "first_run": _first_run,
    "recovery": _recovery,
    "emergency": _emergency,
    "approvals": _approvals,
    "vault": _vault,
    "mfa": _mfa,
    "accounts": _accounts,
    "session": _session,
    "ending": _ending,
    "review": _review,
    "done": _done,
}
