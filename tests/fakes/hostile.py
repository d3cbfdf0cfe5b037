"""A hostile process environment (docs/rules.md §12): what an attacker with the operator's OS
account sets first, and a port that records whoever is fooled into connecting to it."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Listener:
    """A TCP port that records the first line of every connection and answers 403: a
    hostile proxy or endpoint, or a stand-in for a configured corporate proxy."""

    url: str
    lines: list[str] = field(default_factory=list)

    @classmethod
    @contextlib.contextmanager
    def open(cls) -> Iterator[Listener]:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        sock.settimeout(0.05)
        listener = cls(f"http://127.0.0.1:{sock.getsockname()[1]}")
        stop = threading.Event()

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = sock.accept()
                except TimeoutError:
                    continue
                with conn:
                    conn.settimeout(2)
                    try:
                        first = conn.recv(4096).split(b"\r\n", 1)[0]
                        listener.lines.append(first.decode("latin-1"))
                        conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                    except OSError:
                        listener.lines.append("")

        thread = threading.Thread(target=serve, name="hostile-listener")
        thread.start()
        try:
            yield listener
        finally:
            stop.set()
            thread.join()
            sock.close()


def aws_variables(folder: Path, evil: str) -> tuple[dict[str, str], Path]:
    """Every AWS variable an attacker would set first, pointing at `evil`, with an AWS config
    file whose `credential_process` would create the returned marker file if it ever ran."""
    marker = folder / "credential-process-ran"
    process = f"sh -c 'touch {marker}; echo {{}}'"
    config = folder / "aws-config"
    config.write_text(
        f"[default]\ncredential_process = {process}\nregion = us-west-2\n"
        f"endpoint_url = {evil}\nca_bundle = /dev/null\n"
        f"[profile evil]\ncredential_process = {process}\n"
    )
    credentials = folder / "aws-credentials"
    credentials.write_text("[default]\naws_access_key_id = AKIAATTACKERKEY00001\n")
    models = folder / "models"
    for service, version in (("sts", "2011-06-15"), ("iam", "2010-05-08"), ("logs", "2014-03-28")):
        # A tampered service model: botocore would load it before its own (and fail on it);
        # so would the drill's moto, for the regions of CloudWatch Logs (drill/moto_models.py).
        model = models / service / version / "service-2.json"
        model.parent.mkdir(parents=True, exist_ok=True)
        model.write_text('{"metadata": "tampered"')
    variables = {
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_PROFILE": "evil",
        "AWS_DEFAULT_PROFILE": "evil",
        "AWS_ENDPOINT_URL": evil,
        "AWS_ENDPOINT_URL_STS": evil,
        "AWS_DATA_PATH": str(models),
        "AWS_ACCESS_KEY_ID": "AKIAATTACKERKEY00002",
        "AWS_SECRET_ACCESS_KEY": "attacker",
        "AWS_SESSION_TOKEN": "attacker",
        "AWS_DEFAULT_REGION": "us-west-2",
        "AWS_REGION": "us-west-2",
        "AWS_USE_FIPS_ENDPOINT": "true",
        "AWS_USE_DUALSTACK_ENDPOINT": "true",
        "AWS_STS_REGIONAL_ENDPOINTS": "legacy",
        "AWS_MAX_ATTEMPTS": "9",
        "AWS_RETRY_MODE": "adaptive",
        "AWS_CA_BUNDLE": "/dev/null",
    }
    return variables, marker


def network_variables(evil: str, ca_file: str) -> dict[str, str]:
    """Proxy and trust-anchor variables: all traffic to `evil`, trusting the attacker's CA."""
    proxies = dict.fromkeys(("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"), evil)
    return {
        **proxies,
        "ALL_PROXY": evil,
        "all_proxy": evil,
        "NO_PROXY": "",
        "no_proxy": "",
        "SSL_CERT_FILE": ca_file,
        "REQUESTS_CA_BUNDLE": ca_file,
        "CURL_CA_BUNDLE": ca_file,
    }


def vault_variables(evil: str) -> dict[str, str]:
    """`VAULT_*` and `BAO_*` (all but VAULT_SKIP_VERIFY, which the app refuses loudly)."""
    found = {}
    for prefix in ("VAULT", "BAO"):
        found[f"{prefix}_ADDR"] = evil
        found[f"{prefix}_TOKEN"] = "hvs.attacker-token"
        found[f"{prefix}_NAMESPACE"] = "attacker"
        found[f"{prefix}_CACERT"] = "/dev/null"
        found[f"{prefix}_CLIENT_TIMEOUT"] = "1"
    return found
