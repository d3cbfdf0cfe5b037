"""The process environment cannot redirect or decrypt the app's traffic (docs/rules.md §12, issue
15.8).

The attacker owns the operator's OS account, hence the environment. What they try first:
a proxy variable plus a CA variable (read every credential in transit), an endpoint variable
(send AWS calls to their server), an AWS config file with `credential_process` (run their code),
`VAULT_ADDR`/`VAULT_TOKEN` (point Vault elsewhere, ride another token). Each test below sets
the hostile values and shows the app's three HTTPS clients — botocore (AWS APIs), urllib
(the federation endpoint) and requests (Vault) — take none of them; each test also checks that
the same variable *would* have taken effect on an unprotected client, so it cannot pass vacuously.
"""

from __future__ import annotations

import json
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from breakglass_gui.core.aws.admin import ProfileSessions
from breakglass_gui.core.aws.clients import AwsCredentials, ClientFactory
from breakglass_gui.core.config import VaultConfig
from breakglass_gui.core.errors import VaultError
from breakglass_gui.core.network import Network
from breakglass_gui.core.registry import vault_gateway
from breakglass_gui.core.secret import Secret
from breakglass_gui.core.vault import VaultGateway
from breakglass_gui.drill.tls import DrillTls
from tests.fakes.hostile import Listener, aws_variables, vault_variables

STS_ANSWER = b"""<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/bg</Arn>
<UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult>
<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"""
HEALTH = {"initialized": True, "sealed": False, "standby": False, "version": "2.7.0"}
# Invented: the shape of an access key id, no real key (the test servers accept anything).
KEYS = AwsCredentials("AKIAEXPLICITKEY00001", Secret("explicit-secret"))


@dataclass
class Seen:
    requests: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Server:
    url: str
    seen: Seen
    tls: DrillTls


@pytest.fixture
def server() -> Iterator[Server]:
    """An HTTPS server on 127.0.0.1 whose certificate only a fresh drill CA vouches for: it
    answers STS GetCallerIdentity (POST), Vault health and a 100 KB body (GET)."""
    tls = DrillTls.create()
    seen = Seen()

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            seen.requests.append(
                {"method": self.command, "path": self.path, "headers": dict(self.headers)}
            )

        def do_GET(self) -> None:
            self._record()
            body = json.dumps(HEALTH).encode() if self.path.startswith("/v1/") else b"x" * 100_000
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._record()
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(STS_ANSWER)))
            self.end_headers()
            self.wfile.write(STS_ANSWER)

        def log_message(self, format: str, *args: Any) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.socket = tls.server_context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    try:
        yield Server(f"https://127.0.0.1:{httpd.server_address[1]}", seen, tls)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
        tls.remove()


@pytest.fixture
def listener() -> Iterator[Listener]:
    with Listener.open() as opened:
        yield opened


def hostile(monkeypatch: pytest.MonkeyPatch, folder: Path, evil: str) -> Path:
    variables, marker = aws_variables(folder, evil)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return marker


def _sts(network: Network, endpoint: str) -> Any:
    return ClientFactory(endpoint_url=endpoint, network=network).client(
        "sts", KEYS, "eu-central-1", retries=False
    )


def _vault(address: str, network: Network) -> VaultGateway:
    config = VaultConfig(address=address, auth_method="userpass", username="bg")
    return vault_gateway(config, network=network)


# ----- the federation fetch ------------------------------------------------------------------


def test_the_fetch_reads_at_most_64_kib_and_names_itself(server: Server) -> None:
    body = Network(ca_bundle=str(server.tls.ca_file)).fetch(server.url + "/federation", 5)
    assert len(body) == 64 * 1024
    assert server.seen.requests[0]["headers"]["User-Agent"] == "breakglass-gui"


def test_a_server_the_configured_ca_does_not_vouch_for_is_refused(server: Server) -> None:
    with pytest.raises(urllib.error.URLError) as raised:
        Network().fetch(server.url + "/federation", 5)  # certifi: not the drill CA
    assert isinstance(raised.value.reason, ssl.SSLCertVerificationError)
    assert server.seen.requests == []


# ----- trust anchors ---------------------------------------------------------------------------

CA_VARIABLES = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "AWS_CA_BUNDLE")


def test_no_environment_variable_adds_a_trust_anchor(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attacker's CA in every CA variable: the server it signed stays untrusted by all
    three clients (the app's configured trust is certifi here)."""
    for name in CA_VARIABLES:
        monkeypatch.setenv(name, str(server.tls.ca_file))
    monkeypatch.setenv("SSL_CERT_DIR", str(server.tls.directory))
    # The control: an unprotected client trusts the attacker's CA through SSL_CERT_FILE.
    control = ssl.create_default_context()
    with urllib.request.urlopen(server.url + "/plain", context=control):  # noqa: S310
        pass
    assert [r["path"] for r in server.seen.requests] == ["/plain"]

    network = Network()
    with pytest.raises(urllib.error.URLError):
        network.fetch(server.url + "/federation", 5)
    from botocore.exceptions import SSLError

    with pytest.raises(SSLError):
        _sts(network, server.url).get_caller_identity()
    with pytest.raises(VaultError) as raised:
        _vault(server.url, network).health()
    assert raised.value.code == "vault.tls"
    assert [r["path"] for r in server.seen.requests] == ["/plain"]


# ----- proxies ---------------------------------------------------------------------------------

PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY")


def test_no_environment_variable_sets_a_proxy(
    server: Server, listener: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, listener.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert urllib.request.getproxies()["https"] == listener.url  # the control

    network = Network(ca_bundle=str(server.tls.ca_file))
    assert len(network.fetch(server.url + "/federation", 5)) == 64 * 1024
    assert _sts(network, server.url).get_caller_identity()["Account"] == "123456789012"
    assert _vault(server.url, network).health().initialized
    assert [r["method"] for r in server.seen.requests] == ["GET", "POST", "GET"]
    assert listener.lines == []


def test_the_configured_proxy_carries_aws_and_federation_traffic(
    server: Server, listener: Listener
) -> None:
    """`[network] https_proxy` is used, with CONNECT (the proxy sees host names, not content);
    Vault is reached directly even then."""
    from botocore.exceptions import ProxyConnectionError

    network = Network(https_proxy=listener.url, ca_bundle=str(server.tls.ca_file))
    target = server.url.removeprefix("https://")
    with pytest.raises(urllib.error.URLError):
        network.fetch(server.url + "/federation", 5)
    with pytest.raises(ProxyConnectionError):
        _sts(network, server.url).get_caller_identity()
    assert [line.rsplit(" ", 1)[0] for line in listener.lines] == [f"CONNECT {target}"] * 2
    assert _vault(server.url, network).health().initialized
    assert [r["path"] for r in server.seen.requests] == ["/v1/sys/health"]


# ----- AWS variables and files -----------------------------------------------------------------


def test_botocore_takes_nothing_from_the_aws_environment_or_files(
    server: Server, listener: Listener, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = hostile(monkeypatch, tmp_path, listener.url)
    import botocore.session  # the control: a default session would use all of it

    default = botocore.session.Session()
    assert default.get_config_variable("profile") == "evil"
    assert default.create_client("s3", "us-east-1").meta.endpoint_url == listener.url

    factory = ClientFactory()
    real = factory.client("sts", KEYS, "eu-central-1")
    assert real.meta.endpoint_url == "https://sts.eu-central-1.amazonaws.com"
    assert real.meta.config.retries == {"total_max_attempts": 3, "mode": "standard"}
    assert factory.client("logs", KEYS, "eu-west-1").meta.endpoint_url == (
        "https://logs.eu-west-1.amazonaws.com"
    )

    sts = _sts(Network(ca_bundle=str(server.tls.ca_file)), server.url)
    assert sts.get_caller_identity()["Account"] == "123456789012"
    signed = server.seen.requests[-1]["headers"]["Authorization"]
    assert "Credential=AKIAEXPLICITKEY00001/" in signed and "/eu-central-1/sts/" in signed
    assert listener.lines == []
    assert not marker.exists()


def test_the_drill_administrator_takes_nothing_from_them_either(
    server: Server, listener: Listener, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = hostile(monkeypatch, tmp_path, listener.url)
    admin = ProfileSessions.from_profile(
        None,
        home_account="123456789012",
        member_role="OrganizationAccountAccessRole",
        partition="aws",
        region="eu-central-1",
        endpoint_url=server.url,
        credentials=("AKIAEXPLICITKEY00001", "explicit-secret"),
        network=Network(ca_bundle=str(server.tls.ca_file)),
    )
    assert admin.client("sts", "123456789012").get_caller_identity()["Account"] == "123456789012"
    assert (
        "Credential=AKIAEXPLICITKEY00001/" in server.seen.requests[-1]["headers"]["Authorization"]
    )
    assert listener.lines == [] and not marker.exists()


# ----- Vault variables -------------------------------------------------------------------------


def test_vault_and_bao_variables_have_no_effect(
    server: Server, listener: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in vault_variables(listener.url).items():
        monkeypatch.setenv(name, value)
    gateway = _vault(server.url, Network(ca_bundle=str(server.tls.ca_file)))
    assert gateway.health().initialized and not gateway.logged_in
    headers = {k.lower(): v for k, v in server.seen.requests[-1]["headers"].items()}
    assert "x-vault-token" not in headers and "x-vault-namespace" not in headers
    assert listener.lines == []


def test_requests_sessions_from_the_network_ignore_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/dev/null")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    session = Network(ca_bundle="/etc/ca.pem").requests_session()
    assert isinstance(session, requests.Session)
    assert session.trust_env is False and session.proxies == {}
    settings = session.merge_environment_settings("https://vault.test", {}, None, None, None)
    assert settings["verify"] == "/etc/ca.pem" and settings["proxies"] == {}


def test_a_network_cannot_be_changed_once_made() -> None:
    import dataclasses

    network = Network(https_proxy="http://proxy.corp:3128")
    with pytest.raises(dataclasses.FrozenInstanceError):
        network.https_proxy = "http://attacker:8080"  # type: ignore[misc]


def test_a_client_is_kept_for_its_own_credentials_and_never_used_once_they_are_wiped() -> None:
    """Clients are kept (building one is CPU and a new TLS connection on the operator's path,
    docs/rules.md §13), but only for the very credentials they were built with: a wiped
    session's client is dropped, never handed out again."""
    factory = ClientFactory()
    creds = AwsCredentials("ASIA1", Secret("secret-1"), Secret("token-1"))
    first = factory.client("sts", creds, "eu-central-1")
    assert factory.client("sts", creds, "eu-central-1") is first
    twin = AwsCredentials("ASIA1", Secret("secret-2"), Secret("token-2"))  # same key id
    assert factory.client("sts", twin, "eu-central-1") is not first
    assert factory.client("sts", creds, "eu-central-1", retries=False) is not first
    assert factory.client("sts", creds, "eu-west-1") is not first
    creds.wipe()
    with pytest.raises(ValueError, match="wiped"):
        factory.client("sts", creds, "eu-central-1")  # built anew from a wiped secret: refused
    assert all(kept is not creds for kept, _ in factory._clients.values())
    factory.forget_clients()
    assert not factory._clients
