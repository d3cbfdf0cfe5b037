"""How the MFA code reaches AWS: a strategy chosen once from `session.mfa_mode`.

`session`: one GetSessionToken with the code; role sessions are chained on that MFA session
(role chaining caps each at one hour). `direct`: each AssumeRole carries its own code, so a
role session can last up to the role's maximum but every account needs a fresh code.
Listed in core/registry.py (`MFA_MODES`); nothing else compares the mode's name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from breakglass_gui.core.config.model import CHAINED_ROLE_MAX_SECONDS
from breakglass_gui.core.need import Need

if TYPE_CHECKING:
    from breakglass_gui.core.config.model import Config


class MfaMode(Protocol):
    name: str
    chained: bool  # role sessions are chained on an MFA session
    code_per_session: bool  # every AssumeRole carries its own code

    def after_unlock(self, *, chosen: bool) -> Need:
        """What follows VAULT_UNLOCKED (`chosen`: accounts are chosen and wait for a code)."""
        ...

    def for_missing_sessions(self, *, has_record: bool, has_mfa_session: bool) -> Need:
        """ACTIVE, but some account has no live role session."""
        ...

    def for_ending(self, *, has_mfa_session: bool) -> Need | None:
        """The ending lacks sessions (Vault already unlocked): what obtains them."""
        ...

    def config_problems(self, config: Config) -> list[tuple[str, str]]:
        """(key, problem) for each setting this mode cannot work with."""
        ...


class SessionMfa:
    name = "session"
    chained = True
    code_per_session = False

    def after_unlock(self, *, chosen: bool) -> Need:
        return Need.MFA

    def for_missing_sessions(self, *, has_record: bool, has_mfa_session: bool) -> Need:
        if has_mfa_session:
            return Need.SESSIONS
        return Need.MFA if has_record else Need.VAULT

    def for_ending(self, *, has_mfa_session: bool) -> Need | None:
        return None if has_mfa_session else Need.MFA

    def config_problems(self, config: Config) -> list[tuple[str, str]]:
        longest = config.session.max_duration
        if longest <= CHAINED_ROLE_MAX_SECONDS:
            return []
        return [
            (
                "session.max_duration",
                f"{longest} seconds cannot be granted in mfa_mode = session: role chaining "
                "limits a role session to 3600 seconds (use mfa_mode = direct for longer "
                "sessions)",
            )
        ]


class DirectMfa:
    name = "direct"
    chained = False
    code_per_session = True

    def after_unlock(self, *, chosen: bool) -> Need:
        return Need.CODE if chosen else Need.ACCOUNTS

    def for_missing_sessions(self, *, has_record: bool, has_mfa_session: bool) -> Need:
        return Need.CODE if has_record else Need.VAULT

    def for_ending(self, *, has_mfa_session: bool) -> Need | None:
        return Need.CODE

    def config_problems(self, config: Config) -> list[tuple[str, str]]:
        longest, role_max = config.session.max_duration, config.role.max_session_duration
        if longest <= role_max:
            return []
        return [
            (
                "session.max_duration",
                f"{longest} is longer than role.max_session_duration {role_max}",
            )
        ]
