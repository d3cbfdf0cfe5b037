"""The account part of the configuration: `[directory]` (where the accounts come from),
`[[accounts]]` (the hand-written list) and `[[emergency_types]]` (which may scope the accounts,
by id or by OU path). Whether a list is required, and whether the ids and OUs named exist, is the
chosen directory kind's rule (core/directory.py), checked with the other kinds in
core/registry.py."""

from __future__ import annotations

import re
from pathlib import Path

from breakglass_gui.core.config.model import (
    DEFAULT_EMERGENCY_KINDS,
    Account,
    DirectoryConfig,
    EmergencyKind,
)
from breakglass_gui.core.config.table import Table, quote

ACCOUNT_ID = re.compile(r"^\d{12}$", re.ASCII)
# An OU path as `accounts sync` writes it: "Root", then OU names (1-128 characters, no "/").
OU_PATH = re.compile(r"^Root(/[^/\x00-\x1f]{1,128})*$")


def directory(t: Table) -> DirectoryConfig:
    source = t.text("source", DirectoryConfig.source) or DirectoryConfig.source  # a registry kind
    snapshot = t.text("snapshot", "") or ""
    if snapshot and not Path(snapshot).expanduser().is_absolute():
        t.problems.add(t.key("snapshot"), f"{quote(snapshot)} is not an absolute path")
    max_age = t.get("max_age_days", int, 7)
    assert max_age is not None  # a default is given
    if not 1 <= max_age <= 365:
        t.problems.add(t.key("max_age_days"), f"{max_age} is outside 1–365 days")
    t.finish()
    return DirectoryConfig(source, snapshot, max_age)


def accounts(root: Table) -> list[Account]:
    """The hand-written list (whether one is required is the directory kind's rule:
    core/directory.py)."""
    out = []
    for t in root.tables("accounts"):
        aid = t.text("id", required=True, pattern=ACCOUNT_ID, what="a 12-digit AWS account id")
        name = t.text("name", required=True)
        env = t.text("environment", "unspecified")
        t.finish()
        if aid and name:
            out.append(Account(aid, name, env or "unspecified"))
    ids = [a.id for a in out]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        root.problems.add("accounts", f"account id {dup} is listed more than once")
    return out


def emergency_types(root: Table) -> tuple[EmergencyKind, ...]:
    """The types; whether their accounts and OUs exist is the directory kind's rule."""
    if "emergency_types" not in root.data:
        root.seen.add("emergency_types")
        return DEFAULT_EMERGENCY_KINDS
    out: list[EmergencyKind] = []
    for t in root.tables("emergency_types"):
        name = t.text("name", required=True)
        scope = t.strings("accounts")
        for i, account in enumerate(scope):
            where = f"{t.key('accounts')}[{i}]"
            if not ACCOUNT_ID.fullmatch(account):
                t.problems.add(where, f"{quote(account)} is not an account id")
        ous = t.strings("ous")
        for i, ou in enumerate(ous):
            if not OU_PATH.fullmatch(ou):
                problem = f'{quote(ou)} is not an OU path like "Root/Prod"'
                t.problems.add(f"{t.key('ous')}[{i}]", problem)
        describe = t.get("describe", bool, False)
        t.finish()
        if name:
            out.append(EmergencyKind(name, scope, bool(describe), ous))
    names = [k.name for k in out]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        root.problems.add("emergency_types", f"{quote(dup)} is listed more than once")
    if not out and not root.problems.items:
        root.problems.add("emergency_types", "must name at least one emergency type")
    return tuple(out)
