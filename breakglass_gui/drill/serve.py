"""`main.py drill serve`: the drill world alone, for training with aws-cli or bao (docs/rules.md
§10).

It starts the same world a drill runs against (moto behind the drill's STS gate, a real
OpenBao server, the federation stand-in, all HTTPS with a CA generated for this run), prints one
JSON line saying where everything is, and runs until SIGINT or SIGTERM; then it stops every server
and removes the CA's directory, leaving no process or port behind. Everything printed is a
drill value: the administrator key moto accepts and the drill Vault's password are throwaway.

    aws --endpoint-url "$aws_endpoint" --ca-bundle "$ca_file" sts get-caller-identity
    BAO_ADDR="$vault_address" BAO_CACERT="$ca_file" bao operator unseal   # 3 of the shares
    BAO_ADDR="$vault_address" BAO_CACERT="$ca_file" bao login -method=userpass username=breakglass
"""

from __future__ import annotations

import json
import signal
import threading
from typing import Any, TextIO

from breakglass_gui.core.registry import directory
from breakglass_gui.drill.environment import DrillEnvironment
from breakglass_gui.drill.layout import ADMIN_KEY, IAM_ACCOUNT, REGION, VAULT_USER


def announcement(env: DrillEnvironment) -> dict[str, Any]:
    assert env.config is not None
    return {
        "drill": True,
        "aws_endpoint": env.endpoint,
        "vault_address": env.config.vault.address,
        "federation_url": env.federation.url,
        "ca_file": env.ca_file,
        "region": REGION,
        "iam_account": IAM_ACCOUNT,
        "accounts": [a.id for a in directory(env.config).accounts()],
        "drill_credentials": {
            "aws_access_key_id": ADMIN_KEY[0],
            "aws_secret_access_key": ADMIN_KEY[1],
            "vault_username": VAULT_USER,
            "vault_password": env.vault_password.reveal(),
        },
        # OpenBao starts sealed, as every drill does: any 3 of these 5 shares unseal it.
        "vault_unseal": {"threshold": env.vault.threshold, "shares": list(env.vault.unseal_keys)},
    }


def serve(out: TextIO, stop: threading.Event | None = None) -> int:
    stop = stop or threading.Event()
    previous = {
        number: signal.signal(number, lambda *_: stop.set())
        for number in (signal.SIGINT, signal.SIGTERM)
    }
    env = DrillEnvironment()
    try:
        env.start()
        out.write(json.dumps(announcement(env)) + "\n")
        out.flush()
        while not stop.wait(0.5):  # short waits: the signal handler runs between them
            pass
    finally:
        env.stop()
        for number, handler in previous.items():
            signal.signal(number, handler)
    return 0
