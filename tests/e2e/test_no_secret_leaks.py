"""No secret reaches the journal, the logs or the review files (docs/rules.md §12).

Every secret the incident handles is collected as it is created — the IAM user's keys and
password, the rotated ones, STS session secrets and tokens, Vault tokens, sign-in tokens,
approver TOTP secrets, the MFA seed, the Vault password — and every byte written under the
test's home, plus everything logged at DEBUG (botocore included), is scanned for each.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from breakglass_gui.core import redact
from breakglass_gui.core.incident import State
from tests.fakes.scan import variants
from tests.fakes.world import USERS, World


class SecretCollector:
    """Botocore after-call hook noting every credential AWS hands out."""

    def __init__(self) -> None:
        self.values: set[str] = set()

    def __call__(self, parsed: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if not parsed:
            return
        for holder in (parsed.get("Credentials"), parsed.get("AccessKey")):
            if isinstance(holder, dict):
                for key in ("SecretAccessKey", "SessionToken"):
                    if holder.get(key):
                        self.values.add(str(holder[key]))


def test_no_secret_is_written_to_disk_or_logs(
    world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    collector = SecretCollector()
    original = world.deps

    def deps_with_collector() -> Any:
        deps = original()
        deps.aws.hooks.append(("after-call", collector))
        return deps

    world.deps = deps_with_collector  # type: ignore[method-assign]
    handler_filter = redact.RedactingFilter()
    caplog.handler.addFilter(handler_filter)
    caplog.set_level(logging.DEBUG)

    proc = world.declare()
    world.drive(proc, State.CLOSED)

    secrets = set(world.secrets_seen) | collector.values
    secrets |= set(world.federation.tokens)  # sign-in tokens
    secrets |= {token for _, token in _vault_tokens(world)}
    final = world.vault.current(USERS[0])
    secrets |= {final["secret_access_key"], final["console_password"]}
    assert len(collector.values) >= 5, "the collector must have seen the STS sessions"
    assert len(world.federation.tokens) == 1

    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".html" for p in written)
    assert any(p.name.startswith("journal.sqlite3") for p in written)
    for path in written:
        data = path.read_bytes()
        for secret in secrets:
            for form in variants(secret):
                assert form not in data, f"a secret was written to {path.name}"
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records).encode()
    assert b"botocore" in b"".join(r.name.encode() for r in caplog.records)
    for secret in secrets:
        for form in variants(secret):
            assert form not in logged, "a secret was logged"


def _vault_tokens(world: World) -> list[tuple[str, str]]:
    return [("issued", t) for t in world.vault.issued]
