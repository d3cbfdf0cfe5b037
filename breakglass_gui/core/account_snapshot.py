"""The local snapshot of the organisation's accounts (docs/rules.md §16).

`main.py accounts sync` reads AWS Organizations (core/aws/organizations.py) ahead of time and
writes this file, so the wizard can list the accounts when Organizations, the IdP or the network
is what broke. The file is canonical JSON (sorted keys, one byte form), written all-or-nothing
with mode 0600; its SHA-256 is journaled by the incident that uses it (`directory.snapshot`), so
an auditor can tell which list the operator chose from.

What it is not: a trust anchor. Whoever holds the operator's OS account can edit it. What the
approvers sign and AWS enforces are account *ids*; the names, OU paths and tags here are for
finding an account, and the journaled hash lets an auditor compare the list shown with
Organizations afterwards (docs/threat-model.md).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from breakglass_gui.core.canonical import canonical_json
from breakglass_gui.core.config.model import Account
from breakglass_gui.core.errors import ConfigError
from breakglass_gui.core.files import write_atomically

FORMAT = "breakglass-accounts/1"
ACCOUNT_ID = re.compile(r"\d{12}")


@dataclass(frozen=True)
class AccountSnapshot:
    synced_at: datetime
    organization_id: str
    management_account_id: str
    accounts: tuple[Account, ...]
    synced_by: str = ""  # the caller's ARN, as STS GetCallerIdentity would name it
    sha256: str = field(default="", compare=False)  # of the file it was read from / written as

    def age_seconds(self, now: datetime) -> float:
        return (now - self.synced_at).total_seconds()

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "synced_at": self.synced_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "synced_by": self.synced_by,
            "organization_id": self.organization_id,
            "management_account_id": self.management_account_id,
            "accounts": [
                {
                    "id": a.id,
                    "name": a.name,
                    "environment": a.environment,
                    "status": a.status,
                    "ou_path": a.ou_path,
                    "tags": dict(a.tags),
                }
                for a in sorted(self.accounts, key=lambda a: (a.ou_path, a.name, a.id))
            ],
        }

    def to_bytes(self) -> bytes:
        return (canonical_json(self.to_json()) + "\n").encode("utf-8")

    def summary(self) -> dict[str, Any]:
        """What the incident journals about the list it used (no account data: the hash
        names the file, which the auditor can ask the operator's workstation for)."""
        return {
            "sha256": self.sha256,
            "synced_at": self.synced_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "organization_id": self.organization_id,
            "accounts": len(self.accounts),
        }


def _problem(path: Path, what: str) -> ConfigError:
    return ConfigError(
        [f"{path}: {what}; run `main.py accounts sync` to write the account snapshot again"]
    )


def _account(entry: Any, path: Path, i: int) -> Account:
    if not isinstance(entry, Mapping):
        raise _problem(path, f"accounts[{i}] is not a table")
    aid, name = entry.get("id"), entry.get("name")
    tags = entry.get("tags", {})
    if not (isinstance(aid, str) and ACCOUNT_ID.fullmatch(aid)):
        raise _problem(path, f"accounts[{i}].id is not a 12-digit account id")
    if not isinstance(name, str) or not name:
        raise _problem(path, f"accounts[{i}].name is missing")
    if not isinstance(tags, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
    ):
        raise _problem(path, f"accounts[{i}].tags is not a table of strings")
    status, ou_path = entry.get("status", "ACTIVE"), entry.get("ou_path", "")
    environment = entry.get("environment", "unspecified")
    if not all(isinstance(v, str) for v in (status, ou_path, environment)):
        raise _problem(path, f"accounts[{i}] has a status, ou_path or environment not text")
    return Account(
        aid,
        name,
        environment,
        status=status,
        ou_path=ou_path,
        tags=tuple(sorted(tags.items())),
    )


def read_snapshot(path: Path) -> AccountSnapshot:
    """The snapshot at `path`; ConfigError (one readable line) if it is missing or malformed."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            [f"{path}: no account snapshot; run `main.py accounts sync` first"]
        ) from None
    except OSError as exc:
        raise _problem(path, f"cannot be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _problem(path, "is not JSON") from None
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        raise _problem(path, f"is not a {FORMAT} file")
    entries = data.get("accounts")
    if not isinstance(entries, list):
        raise _problem(path, "has no accounts list")
    accounts = tuple(_account(e, path, i) for i, e in enumerate(entries))
    ids = [a.id for a in accounts]
    if len(set(ids)) != len(ids):
        raise _problem(path, "lists an account id more than once")
    try:
        synced = datetime.strptime(str(data.get("synced_at")), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise _problem(path, "has no valid synced_at time") from None
    return AccountSnapshot(
        synced_at=synced.replace(tzinfo=UTC),
        organization_id=str(data.get("organization_id", "")),
        management_account_id=str(data.get("management_account_id", "")),
        accounts=accounts,
        synced_by=str(data.get("synced_by", "")),
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def write_snapshot(snapshot: AccountSnapshot, path: Path) -> AccountSnapshot:
    """Write all-or-nothing, mode 0600, never through a link (core/files.py). Returns the
    snapshot with its file's hash."""
    data = snapshot.to_bytes()
    write_atomically(path, data)
    return AccountSnapshot(
        snapshot.synced_at,
        snapshot.organization_id,
        snapshot.management_account_id,
        snapshot.accounts,
        snapshot.synced_by,
        hashlib.sha256(data).hexdigest(),
    )
