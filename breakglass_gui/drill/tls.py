"""HTTPS for the drill world (docs/rules.md §10): a certificate authority generated per drill.

The drill must exercise the production paths, and production only speaks verified TLS, so the
drill's servers (moto, Vault, the federation stand-in) serve HTTPS on 127.0.0.1 and the app,
in drill mode, trusts this CA and nothing else (`[network] ca_bundle` and `vault.ca_bundle`
both name its certificate file).

- The CA's private key lives only in this object's memory while the server certificate is
  signed, then is dropped: nobody can mint another certificate this drill would trust.
- The server's key is written once, to a file in a 0700 directory that only this user can
  read, loaded into the TLS context and unlinked at once (`ssl` loads keys from files only).
  OpenBao reads its certificate and key from files too: `server_files()` writes them (0600)
  for it to load at start, and the drill deletes them once it listens (drill/openbao.py).
- The CA certificate (public) stays in that directory for the drill's lifetime, so that
  `drill serve` can hand it to aws-cli or bao; `remove()` deletes the directory.

EC P-256 keys: generating the pair and both certificates takes a few milliseconds.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
VALIDITY = datetime.timedelta(days=2)
BACKDATE = datetime.timedelta(minutes=10)  # a test's fake clock may run behind


@dataclass
class DrillTls:
    directory: Path
    ca_file: Path
    server_context: ssl.SSLContext
    server_pem: bytes = field(default=b"", repr=False)  # key then certificate (OpenBao)

    @classmethod
    def create(cls) -> DrillTls:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        directory = Path(tempfile.mkdtemp(prefix="breakglass-drill-tls-"))  # mode 0700
        now = datetime.datetime.now(datetime.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Break Glass drill CA")])
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + VALIDITY)
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.IPAddress(ipaddress.ip_address(HOST)), x509.DNSName("localhost")]
                ),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        del ca_key  # no further certificate can be issued under this CA
        pem = serialization.Encoding.PEM
        ca_file = directory / "drill-ca.pem"
        ca_file.write_bytes(ca_cert.public_bytes(pem))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        key_pem = key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        tls = cls(directory, ca_file, context, key_pem + cert.public_bytes(pem))
        chain = tls.server_files(directory)
        try:
            context.load_cert_chain(chain)
        finally:
            chain.unlink(missing_ok=True)
        return tls

    def server_files(self, directory: Path) -> Path:
        """The server's key and certificate in one new 0600 file (the caller deletes it)."""
        chain = directory / "server.pem"
        fd = os.open(chain, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(self.server_pem)
        return chain

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
