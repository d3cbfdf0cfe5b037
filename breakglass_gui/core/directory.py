"""Account directories: where the accounts an operator may choose come from.

`config`: the `[[accounts]]` list of the configuration (today's only kind). A directory answers
which accounts exist and what each is called; the procedure asks it, never the config list
directly, so a directory read from AWS Organizations plugs in here (listed in core/registry.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    from breakglass_gui.core.config.model import Account, Config


class AccountDirectory(Protocol):
    name: ClassVar[str]

    def accounts(self) -> tuple[Account, ...]: ...

    def account(self, account_id: str) -> Account | None: ...


class ConfigDirectory:
    name: ClassVar[str] = "config"

    def __init__(self, config: Config) -> None:
        self._accounts = config.accounts

    def accounts(self) -> tuple[Account, ...]:
        return self._accounts

    def account(self, account_id: str) -> Account | None:
        return next((a for a in self._accounts if a.id == account_id), None)
