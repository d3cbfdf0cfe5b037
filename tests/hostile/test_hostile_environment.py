"""A whole drill in a hostile process environment (docs/rules.md §12, issue 15.8).

`main.py drill --autopilot` runs with every proxy, CA, AWS and Vault variable an attacker
would set pointing at the attacker: a recording port as proxy, endpoint and Vault address;
their own CA as trust anchor; an AWS config file whose `credential_process` would leave a
marker. The drill passes over its own TLS, nothing connects to the attacker's port, and the
`credential_process` never runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from breakglass_gui.drill.tls import DrillTls
from tests.fakes.hostile import Listener, aws_variables, network_variables, vault_variables
from tests.fakes.main_process import run_main


@pytest.mark.slow
def test_a_full_drill_passes_and_takes_nothing_from_a_hostile_environment(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    attacker_ca = DrillTls.create()
    try:
        with Listener.open() as evil:
            aws, marker = aws_variables(tmp_path, evil.url)
            env = {
                **os.environ,
                "HOME": str(home),
                "XDG_DATA_HOME": str(home / "data"),
                "XDG_CONFIG_HOME": str(home / "config"),
                **aws,
                **network_variables(evil.url, str(attacker_ca.ca_file)),
                **vault_variables(evil.url),
            }
            out = str(tmp_path / "out")
            result = run_main("drill", "--autopilot", "--out", out, env=env, timeout=180)
    finally:
        attacker_ca.remove()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "DRILL PASSED" in result.stdout
    assert result.stderr == ""
    assert evil.lines == []
    assert not marker.exists()
    assert not (home / ".aws").exists() and not (home / ".vault-token").exists()
