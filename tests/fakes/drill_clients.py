"""AWS clients of a drill world, as the break-glass user holds them: the keys Vault stores."""

from __future__ import annotations

from typing import Any

import boto3

from breakglass_gui.drill.environment import REGION, DrillEnvironment


def user_client(env: DrillEnvironment, service: str, user: str | None = None) -> Any:
    """`service` with the access key the drill's Vault holds for `user` (default: the default
    user), against the drill's AWS endpoint."""
    assert env.config is not None
    name = user or env.config.vault.default_user
    record = env.vault.current(env.config.vault.kv_path(name))
    return boto3.client(
        service,
        endpoint_url=env.endpoint,
        verify=env.ca_file,
        region_name=REGION,
        aws_access_key_id=record["access_key_id"],
        aws_secret_access_key=record["secret_access_key"],
    )
