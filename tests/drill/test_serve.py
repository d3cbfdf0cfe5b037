"""`main.py drill serve` (docs/rules.md §10): the drill world alone, over HTTPS with its own CA,
until SIGINT or SIGTERM — and then nothing is left: no process, no port, no CA directory."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def _ports_closed(urls: list[str]) -> bool:
    for url in urls:
        parts = urlsplit(url)
        with socket.socket() as probe:
            probe.settimeout(1)
            if probe.connect_ex((parts.hostname or "", parts.port or 0)) == 0:
                return False
    return True


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_drill_serve_prints_its_https_endpoints_and_leaves_nothing_behind(
    stop: signal.Signals,
) -> None:
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "drill", "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        world = json.loads(child.stdout.readline())
        urls = [world["aws_endpoint"], world["vault_address"], world["federation_url"]]
        assert all(u.startswith("https://127.0.0.1:") for u in urls)
        ca = world["ca_file"]
        assert Path(ca).read_text().startswith("-----BEGIN CERTIFICATE-----")

        keys = world["drill_credentials"]
        sts = boto3.client(
            "sts",
            endpoint_url=world["aws_endpoint"],
            region_name=world["region"],
            aws_access_key_id=keys["aws_access_key_id"],
            aws_secret_access_key=keys["aws_secret_access_key"],
            verify=ca,
        )
        assert sts.get_caller_identity()["Account"] == world["iam_account"]
        health = requests.get(world["vault_address"] + "/v1/sys/health", verify=ca, timeout=5)
        assert health.json()["initialized"] is True
        assert health.json()["sealed"] is True  # OpenBao starts sealed, as in every drill
        unseal = world["vault_unseal"]
        assert (unseal["threshold"], len(unseal["shares"])) == (3, 5)
        for share in unseal["shares"][2:]:  # any three of the five
            status = requests.put(
                world["vault_address"] + "/v1/sys/unseal",
                json={"key": share},
                verify=ca,
                timeout=5,
            ).json()
        assert status["sealed"] is False
        login = requests.post(
            world["vault_address"] + "/v1/auth/userpass/login/" + keys["vault_username"],
            json={"password": keys["vault_password"]},
            verify=ca,
            timeout=5,
        )
        assert login.json()["auth"]["policies"] == ["breakglass-operator"]
        pids = _bao_processes(parent=child.pid)
        assert pids, "the drill's OpenBao is a process of its own"
        with pytest.raises(requests.exceptions.SSLError):  # only that CA vouches for it
            requests.get(world["vault_address"] + "/v1/sys/health", timeout=5)

        child.send_signal(stop)
        assert child.wait(timeout=30) == 0
        assert child.stdout.read() == ""  # one JSON line, nothing else
        assert child.stderr is not None and child.stderr.read() == ""
        assert _ports_closed(urls)
        assert not Path(ca).parent.exists()
        assert not (_bao_processes() & pids), "OpenBao outlived drill serve"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.parametrize(
    "argv",
    [["drill"], ["drill", "--autopilot"], ["drill", "serve", "--out", "x"], ["drill", "nope"]],
)
def test_a_drill_command_missing_its_parts_is_a_usage_error(argv: list[str]) -> None:
    from breakglass_gui import cli

    with pytest.raises(SystemExit) as raised:
        cli.main(argv)
    assert raised.value.code == 2


def _bao_processes(parent: int | None = None) -> set[int]:
    """Running `bao server` processes (only `parent`'s children, if given: other tests run
    OpenBao servers of their own at the same time)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, ppid = stat[0], int(stat[1])
        if not (argv and argv[0].endswith(b"/bao") and b"server" in argv and state != "Z"):
            continue
        if parent is None or ppid == parent:
            found.add(int(entry.name))
    return found
