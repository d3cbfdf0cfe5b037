"""Signature checks an auditor can repeat offline with nothing but public keys: OpenSSH
signatures (`ssh.py`) and WebAuthn assertions from security keys (`webauthn.py`)."""


class SignatureError(ValueError):
    """Why a signature does not hold (plain words; printed by `verify-approvals`)."""
