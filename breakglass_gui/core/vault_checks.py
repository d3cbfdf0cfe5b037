"""The Vault rows of the readiness table (SPEC §9): reachable, unsealed, records readable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from breakglass_gui.core.aws.checks import Check


def vault_checks(
    gateway: Any, users: tuple[str, ...], credential: Any | None
) -> Callable[[], list[Check]]:
    """Vault reachable, and (with a credential) every break-glass record readable."""

    def probe() -> list[Check]:
        from breakglass_gui.core.errors import VaultError

        try:
            health = gateway.health()
        except VaultError as exc:
            return [Check("Vault reachable", "-", False, exc.message, "check the network path")]
        if not health.initialized or health.sealed:
            state = "sealed" if health.sealed else "not initialised"
            return [
                Check(
                    "Vault reachable",
                    "-",
                    False,
                    f"Vault is {state}",
                    "unseal it with the key holders" if health.sealed else "",
                )
            ]
        checks = [Check("Vault reachable", "-", True)]
        if credential is None:
            checks.append(
                Check(
                    "Vault records readable",
                    "-",
                    False,
                    "not checked: no Vault credential was given",
                    "run readiness interactively to enter one",
                )
            )
            return checks
        try:
            gateway.login(credential)
            for user in users:
                try:
                    record = gateway.read_record(user)
                    record.wipe()
                    checks.append(Check(f"Vault record {user} readable", "-", True))
                except VaultError as exc:
                    checks.append(
                        Check(
                            f"Vault record {user} readable",
                            "-",
                            False,
                            exc.message,
                            "store the user's credentials in Vault",
                        )
                    )
        except VaultError as exc:
            checks.append(Check("Vault login", "-", False, exc.message, ""))
        finally:
            gateway.revoke_token()
        return checks

    return probe
