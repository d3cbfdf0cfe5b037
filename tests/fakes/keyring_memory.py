"""An in-memory TOTP secret store standing in for the OS keyring in tests."""

from __future__ import annotations

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
