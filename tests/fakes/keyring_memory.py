"""In-memory stand-ins for the OS keyring in tests: a TOTP secret store, and a `keyring`
backend shaped like an OS store (Secret Service, Keychain, Credential Locker)."""

from __future__ import annotations

from keyring.backend import KeyringBackend

from breakglass_gui.core.secret import Secret


class MemoryStore:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def check(self) -> None:
        pass  # memory can always hold them

    def get(self, approver_id: str) -> Secret | None:
        value = self.values.get(approver_id)
        return Secret(value) if value else None

    def set(self, approver_id: str, secret: Secret) -> None:
        self.values[approver_id] = secret.reveal()


class SecretServiceLike(KeyringBackend):
    """A `keyring` backend standing in for an OS store, which this headless machine lacks."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)
