"""OpenSSH signatures (`ssh-keygen -Y sign -n breakglass-approval`), checked with `sshsig`.

The approver signs the request text on their own machine, with their own key; only the public
key line is enrolled. Supported key types are sshsig's: ssh-ed25519 and ssh-rsa (RSA signatures
with SHA-2). A signature made for another namespace (git commits, say) is refused.
"""

from __future__ import annotations

import sshsig
from sshsig.sshsig import do_verify as sshsig_verify

from breakglass_gui.core.approval_request import NAMESPACE
from breakglass_gui.core.signatures import SignatureError

ARMOUR_BEGIN = "-----BEGIN SSH SIGNATURE-----"
ARMOUR_END = "-----END SSH SIGNATURE-----"


def public_key(line: str) -> sshsig.PublicKey:
    # sshsig's do_* functions return the problem (unreadable, or a key type it does not
    # support) instead of raising it.
    key = sshsig.PublicKey.do_from_openssh_str(line.strip())
    if isinstance(key, Exception):
        raise SignatureError(f"not a supported OpenSSH public key ({key})")
    return key


def fingerprint(line: str) -> str:
    """As `ssh-keygen -lf KEY.pub` prints it: SHA256:<base64>."""
    return public_key(line).sha256_str()


def normalised(armoured: str) -> str:
    """The armoured signature as pasted (mail clients add indentation and blank lines)."""
    lines = [ln.strip() for ln in armoured.strip().splitlines() if ln.strip()]
    if not lines or lines[0] != ARMOUR_BEGIN or lines[-1] != ARMOUR_END:
        raise SignatureError(f"paste the whole signature, from {ARMOUR_BEGIN} to {ARMOUR_END}")
    return "\n".join(lines) + "\n"


def verify(text: str, armoured: str, key_line: str) -> None:
    """Raise SignatureError unless `armoured` is this key's signature of `text` in the
    approval namespace."""
    key = public_key(key_line)
    message = text.encode("utf-8")
    try:
        result = sshsig_verify(message, normalised(armoured), [key], namespace=NAMESPACE)
    except ValueError as exc:  # armour or encoding that cannot be read at all
        raise SignatureError(f"the signature cannot be read ({exc})") from None
    if isinstance(result, sshsig.InvalidSignature):
        why = f" ({result})" if str(result) else ""
        raise SignatureError(f"the signature does not verify with this key{why}")
    if isinstance(result, Exception):  # a signature format or key type sshsig does not support
        raise SignatureError(f"the signature cannot be read ({result})")
