"""AWS clients of a drill world: over its TLS, trusting only its CA, with the keys given."""

from __future__ import annotations

from typing import Any

import boto3

from breakglass_gui.drill.environment import DrillEnvironment
from breakglass_gui.drill.layout import REGION


def drill_client(env: DrillEnvironment, service: str, keys: dict[str, str]) -> Any:
    """`service` against the drill's AWS endpoint, with `keys` as STS returns them
    (`AccessKeyId`, `SecretAccessKey` and, for temporary ones, `SessionToken`)."""
    return boto3.client(
        service,
        endpoint_url=env.endpoint,
        verify=env.ca_file,
        region_name=REGION,
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys.get("SessionToken"),
    )


def user_client(env: DrillEnvironment, service: str, user: str | None = None) -> Any:
    """`service` with the access key the drill's Vault holds for `user` (default: the default
    user), against the drill's AWS endpoint."""
    assert env.config is not None
    name = user or env.config.vault.default_user
    record = env.vault.current(env.config.vault.kv_path(name))
    keys = {"AccessKeyId": record["access_key_id"], "SecretAccessKey": record["secret_access_key"]}
    return drill_client(env, service, keys)
