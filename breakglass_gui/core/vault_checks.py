"""The Vault rows of the readiness table (docs/rules.md §9): reachable and unsealed; with a
credential, the token's capabilities and every break-glass record's existence, version and age.

Readiness never reads a secret: the records are checked through KV v2 *metadata*, so a
readiness run is not an unapproved read of the break-glass credential, and the capabilities
come from `sys/capabilities-self`, so a missing policy line is named before an emergency.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from breakglass_gui.core.aws.checks import Check

POLICY_FIX = "grant it in the operator policy (resources/vault/breakglass-operator.hcl)"


def vault_checks(
    gateway: Any, users: tuple[str, ...], credential: Any | None
) -> Callable[[], list[Check]]:
    """Vault reachable, and (with a credential) its policy and every record's metadata."""

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
        checks = [Check("Vault reachable", "-", True, f"OpenBao/Vault {health.version}")]
        if credential is None:
            checks.append(
                Check(
                    "Vault records present",
                    "-",
                    False,
                    "not checked: no Vault credential was given",
                    "run readiness interactively to enter one",
                )
            )
            return checks
        try:
            gateway.login(credential)
            checks.append(_capabilities(gateway, users))
            checks.extend(_record(gateway, user) for user in users)
        except VaultError as exc:
            checks.append(Check("Vault login", "-", False, exc.message, ""))
        finally:
            gateway.revoke_token()
        return checks

    return probe


def _capabilities(gateway: Any, users: tuple[str, ...]) -> Check:
    from breakglass_gui.core.errors import VaultError
    from breakglass_gui.core.vault import required_capabilities

    needed: dict[str, tuple[str, ...]] = {}
    for user in users:
        needed.update(required_capabilities(gateway.config, user))
    try:
        granted = gateway.capabilities(sorted(needed))
    except VaultError as exc:
        return Check("Vault policy", "-", False, exc.message, POLICY_FIX)
    missing = [
        f"{path}: {cap}"
        for path, caps in needed.items()
        for cap in caps
        if cap not in granted.get(path, []) and "root" not in granted.get(path, [])
    ]
    if missing:
        return Check("Vault policy", "-", False, "missing " + "; ".join(missing), POLICY_FIX)
    return Check("Vault policy", "-", True, "every capability the procedure needs")


def _record(gateway: Any, user: str) -> Check:
    from breakglass_gui.core.errors import VaultError

    name = f"Vault record {user}"
    fix = "store the user's credentials in Vault (administrator guide)"
    try:
        meta = gateway.record_metadata(user)
    except VaultError as exc:
        return Check(name, "-", False, exc.message, fix)
    if meta.current_version < 1 or meta.deleted:
        return Check(name, "-", False, "its current version is deleted", fix)
    return Check(name, "-", True, f"version {meta.current_version}, written {meta.updated[:19]}")
