"""The drill's Vault is a real OpenBao server (issue 17.1): sealed at start with 5 shares /
threshold 3, HTTPS under the drill CA, a file audit device from its config, the shipped
policy installed as shipped, an empty environment, and nothing left behind."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import hvac
import pytest

from breakglass_gui.core.resources import resource_path
from breakglass_gui.drill.openbao import OPERATOR_POLICY, OpenBaoServer
from breakglass_gui.drill.tls import DrillTls
from tests.fakes.waiting import process_gone, wait_for

PASSWORD = "drill-password-for-this-test"


@pytest.fixture(scope="module")
def bao() -> Iterator[OpenBaoServer]:
    tls = DrillTls.create()
    server = OpenBaoServer.launch(tls).ready()
    server.initialise()
    server.configure({"breakglass": PASSWORD})
    yield server
    server.stop()
    tls.remove()


def test_it_is_openbao_initialised_with_five_shares_and_threshold_three(
    bao: OpenBaoServer,
) -> None:
    client = bao.client()
    status = client.sys.read_seal_status()
    assert (status["n"], status["t"], status["type"]) == (5, 3, "shamir")
    assert bao.version.startswith("2.7.")
    assert len(set(bao.unseal_keys)) == 5


def test_it_speaks_only_tls_under_the_drill_ca(bao: OpenBaoServer) -> None:
    import requests

    assert bao.address.startswith("https://127.0.0.1:")
    plain = requests.Session()
    plain.trust_env = False
    with pytest.raises(requests.exceptions.SSLError):
        plain.get(f"{bao.address}/v1/sys/health", verify=True, timeout=5)  # certifi: unknown CA
    # OpenBao loaded its key at start; the key file is gone from its directory.
    assert bao.tls_file is None
    assert not list(bao.directory.glob("*.pem"))


def test_the_audit_devices_come_from_the_server_config(bao: OpenBaoServer) -> None:
    admin = bao.client(bao.root_token)
    devices = admin.sys.list_enabled_audit_devices()["data"]
    assert {name: d["type"] for name, d in devices.items()} == {"file/": "file", "drill/": "socket"}
    # OpenBao refuses to enable audit devices through the API: config only.
    with pytest.raises(hvac.exceptions.InvalidRequest):
        admin.sys.enable_audit_device("file", path="other", options={"file_path": "/dev/null"})
    login = bao.client().auth.userpass.login(username="breakglass", password=PASSWORD)
    token, request_id = login["auth"]["client_token"], login["request_id"]
    # The tap sees raw values (the response entry follows the request's).
    wait_for(lambda: token in bao.tap.tokens(), "the login's token never reached the tap")
    audit = (bao.directory / "audit.log").read_text()
    assert request_id in audit  # an auditor matches request ids in the file device
    assert token not in audit and PASSWORD not in audit  # values there are HMAC'd
    assert (bao.directory / "audit.log").stat().st_mode & 0o777 == 0o600


def test_the_operator_policy_installed_is_the_shipped_file(bao: OpenBaoServer) -> None:
    shipped = resource_path("vault", f"{OPERATOR_POLICY}.hcl").read_text()
    installed = bao.client(bao.root_token).sys.read_acl_policy(OPERATOR_POLICY)["data"]["policy"]
    assert installed == shipped
    login = bao.client().auth.userpass.login(username="breakglass", password=PASSWORD)
    assert login["auth"]["policies"] == [OPERATOR_POLICY]  # no `default` policy either
    assert login["auth"]["lease_duration"] == 1800  # a bounded TTL, renewable
    assert login["auth"]["renewable"] is True


def test_the_server_gets_an_empty_environment(bao: OpenBaoServer) -> None:
    environ = Path(f"/proc/{bao.process.pid}/environ").read_bytes()
    assert environ == b""


def test_stop_leaves_no_process_and_no_directory() -> None:
    tls = DrillTls.create()
    server = OpenBaoServer.launch(tls).ready()
    pid, directory = server.process.pid, server.directory
    server.stop()
    tls.remove()
    assert process_gone(pid)
    assert not directory.exists()


def test_a_killed_drill_takes_its_openbao_with_it(tmp_path: Path) -> None:
    """SIGKILL leaves no chance to clean up: the server dies with its parent (PDEATHSIG)."""
    import signal
    import subprocess
    import sys

    script = (
        "from breakglass_gui.drill.openbao import OpenBaoServer\n"
        "from breakglass_gui.drill.tls import DrillTls\n"
        "server = OpenBaoServer.launch(DrillTls.create()).ready()\n"
        "print(server.process.pid, flush=True)\n"
        "import time; time.sleep(60)\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "TMPDIR": str(tmp_path)},  # what the killed drill leaves on disk
    ) as parent:
        assert parent.stdout is not None
        pid = int(parent.stdout.readline())
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
    assert process_gone(pid)
