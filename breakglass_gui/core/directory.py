"""Account directories: where the accounts an operator may choose come from.

- `config`: the `[[accounts]]` list of the configuration.
- `organizations`: the snapshot of AWS Organizations that `main.py accounts sync` writes
  (core/account_snapshot.py): every account with its OU path and tags, read from the local file
  so the wizard works when Organizations or the IdP is unreachable.

A directory answers which accounts exist, what each is called, which of them an emergency type
may reach, and which list the incident used (`provenance`, journaled). The procedure asks it,
never the config list directly. Kinds are listed in core/registry.py; each states what it
requires of the config (`config_problems`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from breakglass_gui.core.humane import when
from breakglass_gui.core.text import visible

if TYPE_CHECKING:
    from breakglass_gui.core.account_snapshot import AccountSnapshot
    from breakglass_gui.core.config.model import Account, Config, EmergencyKind


class AccountDirectory(Protocol):
    name: ClassVar[str]

    def accounts(self) -> tuple[Account, ...]: ...

    def account(self, account_id: str) -> Account | None: ...

    def label(self, account_id: str) -> str: ...

    def provenance(self) -> dict[str, Any] | None:
        """What the incident journals about the list it chose from (None: the config's)."""
        ...

    def age_seconds(self, now: datetime) -> float | None:
        """How old the list is (None: it is the config, as old as the config file)."""
        ...


class _Listed:
    """Lookups shared by the kinds over the list `listing` gives: by id, a label."""

    def __init__(self, listing: Callable[[], tuple[Account, ...]]) -> None:
        self._listing = listing
        self._by_id: dict[str, Account] | None = None

    def accounts(self) -> tuple[Account, ...]:
        return self._listing()

    def account(self, account_id: str) -> Account | None:
        if self._by_id is None:
            self._by_id = {a.id: a for a in self.accounts()}
        return self._by_id.get(account_id)

    def label(self, account_id: str) -> str:
        account = self.account(account_id)
        return f"{visible(account.name)} ({account_id})" if account else account_id


def scope_of(directory: AccountDirectory, kind: EmergencyKind | None) -> tuple[str, ...]:
    """The accounts an emergency type may reach: those it names and those in its OUs, in the
    directory's order; every account when the type is not scoped."""
    listed = directory.accounts()
    if kind is None or not kind.scoped:
        return tuple(a.id for a in listed)
    return tuple(a.id for a in listed if kind.covers(a))


class ConfigDirectory(_Listed):
    name: ClassVar[str] = "config"

    def __init__(self, config: Config) -> None:
        super().__init__(lambda: config.accounts)

    def provenance(self) -> dict[str, Any] | None:
        return None

    def age_seconds(self, now: datetime) -> float | None:
        return None

    @staticmethod
    def config_problems(config: Config) -> list[tuple[str, str]]:
        problems = []
        if not config.accounts:
            problems.append(
                (
                    "accounts",
                    'at least one account is required (or [directory] source = "organizations")',
                )
            )
        known = {a.id for a in config.accounts}
        for i, kind in enumerate(config.emergency_types):
            for j, account in enumerate(kind.accounts):
                if account not in known:
                    problems.append(
                        (f"emergency_types[{i}].accounts[{j}]", f'"{account}" is not in accounts')
                    )
            if kind.ous:
                problems.append(
                    (
                        f"emergency_types[{i}].ous",
                        'OU paths need [directory] source = "organizations"',
                    )
                )
        return problems


class SnapshotDirectory(_Listed):
    """The accounts of the snapshot file, read once, when first asked (not at start: the
    first page paints without it). A missing or malformed file is a ConfigError naming
    `main.py accounts sync`."""

    name: ClassVar[str] = "organizations"

    def __init__(self, config: Config) -> None:
        super().__init__(self._active)
        self.path = snapshot_path(config)
        self._snapshot: AccountSnapshot | None = None

    @property
    def snapshot(self) -> AccountSnapshot:
        if self._snapshot is None:
            from breakglass_gui.core.account_snapshot import read_snapshot

            self._snapshot = read_snapshot(self.path)
        return self._snapshot

    def _active(self) -> tuple[Account, ...]:
        """Suspended or closed accounts cannot be assumed: they are not offered."""
        return tuple(a for a in self.snapshot.accounts if a.status == "ACTIVE")

    def provenance(self) -> dict[str, Any] | None:
        return {**self.snapshot.summary(), "path": str(self.path)}

    def age_seconds(self, now: datetime) -> float | None:
        return self.snapshot.age_seconds(now)

    @staticmethod
    def config_problems(config: Config) -> list[tuple[str, str]]:
        if config.accounts:
            return [
                (
                    "accounts",
                    'must be empty with [directory] source = "organizations": the accounts '
                    "come from the snapshot (`main.py accounts sync`)",
                )
            ]
        return []


def source_note(directory: AccountDirectory, now: datetime, max_age_days: int) -> tuple[str, bool]:
    """What the account pickers say about the list: ("", False) for the config's own list;
    for the snapshot, when it was synced and how long ago, and whether that is older than
    `max_age_days` (then accounts created or moved since are missing or misplaced)."""
    provenance = directory.provenance()
    age = directory.age_seconds(now)
    if provenance is None or age is None:
        return "", False
    days = age / 86400
    ago = f"{days:.0f} days ago" if days >= 2 else f"{age / 3600:.0f} h ago"
    stale = days > max_age_days
    text = (
        f"Accounts from the AWS Organizations snapshot of {when(provenance['synced_at'])} "
        f"({ago}, {provenance['accounts']} accounts)."
    )
    if stale:
        text += (
            f" Older than {max_age_days} days: an account created or moved since is missing "
            "or in its old OU. Run `main.py accounts sync` when Organizations answers again."
        )
    return text, stale


def snapshot_path(config: Config) -> Path:
    from breakglass_gui.core.paths import default_snapshot

    configured = config.directory.snapshot
    return Path(configured).expanduser() if configured else default_snapshot()
