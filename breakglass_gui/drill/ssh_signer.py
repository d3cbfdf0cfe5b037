"""A drill approver's ssh key: signs request texts in the OpenSSH SSHSIG format, byte for byte
what `ssh-keygen -Y sign -n breakglass-approval` writes (PROTOCOL.sshsig in OpenSSH), so the
drill exercises the production check. The private key lives in memory only; a test checks the
output with the real `ssh-keygen -Y verify`.
"""

from __future__ import annotations

import base64
import hashlib
import struct

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from breakglass_gui.core.approval_request import NAMESPACE

MAGIC = b"SSHSIG"


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class SshSigner:
    def __init__(self, comment: str, *, seed: bytes | None = None) -> None:
        """A fresh random key, or one derived from `seed` (the drill's public keys)."""
        self._key = (
            Ed25519PrivateKey.generate()
            if seed is None
            else Ed25519PrivateKey.from_private_bytes(seed)
        )
        self._comment = comment

    @property
    def public_key(self) -> str:
        line = self._key.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH)
        return f"{line.decode()} {self._comment}"

    def sign(self, text: str, namespace: str = NAMESPACE) -> str:
        blob = base64.b64decode(self.public_key.split()[1])
        digest = hashlib.sha512(text.encode("utf-8")).digest()
        signed = MAGIC + _string(namespace.encode()) + _string(b"") + _string(b"sha512")
        signature = self._key.sign(signed + _string(digest))
        body = (
            MAGIC
            + struct.pack(">I", 1)
            + _string(blob)
            + _string(namespace.encode())
            + _string(b"")
            + _string(b"sha512")
            + _string(_string(b"ssh-ed25519") + _string(signature))
        )
        encoded = base64.b64encode(body).decode()
        lines = [encoded[i : i + 70] for i in range(0, len(encoded), 70)]
        return "\n".join(["-----BEGIN SSH SIGNATURE-----", *lines, "-----END SSH SIGNATURE-----"])
