"""The composition root's registries are the only place each kind is listed.

A kind's name may appear in its own module (it names itself) and in core/registry.py; anywhere
else in the app, a comparison with it, a dict keyed by it or a literal collection of two or more
of a registry's names is a second list that adding a kind would have to find and edit.
"""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from breakglass_gui.core import registry
from breakglass_gui.core.errors import ConfigError
from breakglass_gui.core.resources import resource_path
from tests.fakes.world import config_data

APP = Path(registry.__file__).resolve().parents[1]
REGISTRIES = {
    "NOTIFICATION_CHANNELS": registry.NOTIFICATION_CHANNELS,
    "VAULT_AUTH_METHODS": registry.VAULT_AUTH_METHODS,
    "APPROVAL_METHODS": registry.APPROVAL_METHODS,
    "ACCOUNT_DIRECTORIES": registry.ACCOUNT_DIRECTORIES,
    "MFA_MODES": registry.MFA_MODES,
}


def _home(kind: registry.Kind[object]) -> Path:
    """The module that defines a kind (a class, or a classmethod building one)."""
    loaded = kind.load()
    target = getattr(loaded, "__self__", loaded)
    return Path(inspect.getfile(target)).resolve()  # type: ignore[arg-type]


def _listings(tree: ast.AST, names: set[str]) -> Iterator[tuple[int, str]]:
    def named(node: ast.AST | None) -> str | None:
        if isinstance(node, ast.Constant) and node.value in names:
            return str(node.value)
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                if named(side):
                    yield node.lineno, f"compares with {named(side)!r}"
                if isinstance(side, ast.Tuple | ast.List | ast.Set):
                    hits = [n for e in side.elts if (n := named(e))]
                    if hits:
                        yield node.lineno, f"compares with {hits}"
        elif isinstance(node, ast.Dict):
            keys = [n for k in node.keys if (n := named(k))]
            if len(keys) >= 2:  # one key is a word ("session" is also a config section)
                yield node.lineno, f"a dict keyed by {keys}"
        elif isinstance(node, ast.Tuple | ast.List | ast.Set):
            hits = [n for e in node.elts if (n := named(e))]
            if len(hits) >= 2:
                yield node.lineno, f"lists {hits}"


@pytest.mark.parametrize("name", sorted(REGISTRIES))
def test_the_registry_is_the_only_place_its_kinds_are_listed(name: str) -> None:
    table = REGISTRIES[name]
    names = set(table)
    allowed = {Path(registry.__file__).resolve()} | {_home(kind) for kind in table.values()}
    found = []
    for path in sorted(APP.rglob("*.py")):
        if path.resolve() in allowed:
            continue
        for line, what in _listings(ast.parse(path.read_text()), names):
            found.append(f"{path.relative_to(APP.parent)}:{line}: {what}")
    assert found == []


def test_the_scan_finds_a_second_list() -> None:
    """The check above would catch what this module used to have."""
    old = 'method = t.choice("auth_method", ("userpass", "token", "approle", "ldap", "cert"))'
    hits = list(_listings(ast.parse(old), set(registry.VAULT_AUTH_METHODS)))
    assert hits and "lists" in hits[0][1]
    compare = ast.parse('if config.session.mfa_mode == "direct": pass')
    assert list(_listings(compare, set(registry.MFA_MODES)))
    labels = ast.parse('LABELS = {"userpass": "Vault &password", "ldap": "LDAP &password"}')
    assert list(_listings(labels, set(registry.VAULT_AUTH_METHODS)))


@pytest.mark.parametrize("name", sorted(REGISTRIES))
def test_every_listed_kind_loads_from_the_module_it_names(name: str) -> None:
    for kind_name, kind in REGISTRIES[name].items():
        loaded = kind.load()
        target = getattr(loaded, "__self__", loaded)
        assert target.__module__ == kind.where.partition(":")[0], kind_name
        assert callable(loaded), kind_name


def test_a_misspelt_kind_fails_to_load() -> None:
    with pytest.raises(AttributeError):
        registry.Kind("breakglass_gui.core.vault_auth:Userpas").load()
    with pytest.raises(ModuleNotFoundError):
        registry.Kind("breakglass_gui.core.vault_auths:Userpass").load()


def test_checking_a_config_and_building_its_dependencies_import_only_the_chosen_kinds(
    tmp_path: Path,
) -> None:
    """docs/rules.md §13: the first page paints before the kinds the config does not choose
    (and the approval methods, built on first use) are imported."""
    code = (
        "import sys\nfrom pathlib import Path\n"
        "from breakglass_gui.core.clock import SystemClock\n"
        "from breakglass_gui.core.deps import production_deps\n"
        "from breakglass_gui.core.journal import Journal\n"
        "from breakglass_gui.core.registry import load_checked\n"
        f"config = load_checked(Path({str(resource_path('example-config.toml'))!r}))\n"
        "assert config.notifications.channels == ('sns',), config.notifications.channels\n"
        f"journal = Journal(Path({str(tmp_path / 'j.sqlite3')!r}), SystemClock())\n"
        "deps = production_deps(config, journal, SystemClock())\n"
        "loaded = [m for m in ('breakglass_gui.core.notifications.syslog',\n"
        "    'breakglass_gui.core.notifications.sns', 'breakglass_gui.core.approval_methods',\n"
        "    'breakglass_gui.core.approvals') if m in sys.modules]\n"
        "deps.approvals\n"
        "print(loaded, 'breakglass_gui.core.approval_methods' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "True"]


def test_a_config_naming_an_unknown_kind_is_refused_with_every_problem() -> None:
    data = config_data()
    data["vault"]["auth_method"] = "kerberos"
    data["session"]["mfa_mode"] = "sms"
    data["notifications"]["channels"] = ["sns", "pager"]
    data["approvals"] = {"methods": ["ssh", "smoke-signal"]}
    with pytest.raises(ConfigError) as raised:
        registry.parse_checked(data)
    assert raised.value.problems == [
        'vault.auth_method: "kerberos" is not one of userpass, token, approle, ldap, cert',
        'session.mfa_mode: "sms" is not one of session, direct',
        'notifications.channels[1]: "pager" is not one of sns, syslog',
        'approvals.methods[1]: "smoke-signal" is not one of ssh, fido2, totp',
    ]


def test_each_kind_states_what_it_needs_of_the_config() -> None:
    data = config_data()
    data["vault"].update(auth_method="approle")
    data["vault"].pop("role_id", None)
    with pytest.raises(ConfigError) as raised:
        registry.parse_checked(data)
    assert raised.value.problems == ["vault.role_id: is required for auth_method = approle"]
