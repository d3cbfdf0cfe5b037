"""What can go wrong with Vault, in the operator's words (docs/rules.md §2.3, §12).

Every hvac or requests exception becomes a VaultError whose code (`vault.<kind>`) the UI and
the journal use and whose message says what to do next. The wording follows what the real
server answers (tested against OpenBao: tests/core/test_vault_openbao.py).
"""

from __future__ import annotations

from typing import Literal

from breakglass_gui.core.errors import VaultError

Kind = Literal[
    "sealed",
    "bad_share",
    "malformed_share",
    "not_initialized",
    "permission_denied",
    "token_expired",
    "path_missing",
    "cas_conflict",
    "unreachable",
    "tls",
    "bad_credentials",
    "rate_limited",
    "server",
    "bad_record",
]

MESSAGES: dict[str, str] = {
    "sealed": "Vault is sealed. Collect the unseal key shares from their holders and unseal it.",
    "bad_share": "These key shares do not unseal Vault: at least one of them is wrong. Vault has "
    "reset the count; ask each holder to check their share and enter them again.",
    "malformed_share": "That is not an unseal key share: a share is a hex or base64 string (as "
    "`bao operator init` printed it). Nothing was counted.",
    "not_initialized": "Vault is not initialised. It has never been set up; the break-glass "
    "credentials cannot be in it. Use the offline copy of the procedure.",
    "permission_denied": "Vault refused access (permission denied): this login's policy does not "
    "allow the break-glass path.",
    "token_expired": "The Vault token has expired or was revoked. Log in to Vault again.",
    "path_missing": "The break-glass record is not in Vault at the configured path.",
    "cas_conflict": "The break-glass record in Vault changed since it was read (check-and-set "
    "conflict). Nothing was overwritten; read it again and retry.",
    "unreachable": "Vault cannot be reached. Check the network path to Vault and retry.",
    "tls": "Vault's TLS certificate could not be verified. Check vault.ca_bundle; verification "
    "is never switched off.",
    "bad_credentials": "Vault rejected the login credentials.",
    "rate_limited": "Vault is rate-limiting requests. Wait a few seconds and retry.",
    "server": "Vault reported an internal error.",
    "bad_record": "The break-glass record in Vault is incomplete.",
}


def vault_error(kind: Kind, detail: str = "") -> VaultError:
    message = MESSAGES[kind]
    if detail:
        message = f"{message} (Vault said: {detail[:200]})"
    return VaultError(message, code=f"vault.{kind}")


def classify(exc: BaseException) -> VaultError:
    """Map an hvac/requests exception to the operator's message."""
    import hvac.exceptions as hx
    import requests

    if isinstance(exc, VaultError):
        return exc
    if isinstance(exc, requests.exceptions.SSLError):
        return vault_error("tls")
    if isinstance(exc, requests.exceptions.RequestException):
        return vault_error("unreachable")
    detail = "; ".join(str(e) for e in (getattr(exc, "errors", None) or []))
    lowered = detail.lower()
    if isinstance(exc, hx.VaultDown):
        return (
            vault_error("sealed")
            if "sealed" in lowered or not lowered
            else vault_error("server", detail)
        )
    if isinstance(exc, hx.VaultNotInitialized):
        return vault_error("not_initialized")
    if isinstance(exc, hx.Forbidden):
        return vault_error("permission_denied")
    if isinstance(exc, hx.InvalidPath):
        return vault_error("path_missing")
    if isinstance(exc, hx.InvalidRequest):
        if "check-and-set" in lowered or "cas" in lowered.split():
            return vault_error("cas_conflict")
        if (
            "invalid username or password" in lowered
            or "invalid credentials" in lowered
            or ("invalid role" in lowered or "invalid secret" in lowered)
            # cert auth: OpenBao's words for a certificate no role trusts
            or "invalid certificate or no client certificate supplied" in lowered
        ):
            return vault_error("bad_credentials")
        return vault_error("server", detail)
    if isinstance(exc, hx.Unauthorized):
        return vault_error("bad_credentials", detail)
    if isinstance(exc, hx.RateLimitExceeded):
        return vault_error("rate_limited")
    return vault_error("server", detail or type(exc).__name__)
