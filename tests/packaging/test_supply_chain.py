"""The hash-locked dependency sets (docs/supply-chain.md; docs/rules.md §17).

What an attacker who can publish to PyPI (or sit between this machine and it) would try first:
a package the lock does not name, a version the lock does not pin, a file whose hash the lock
does not list, a build backend fetched on the side. Each is refused by the install
(`--require-hashes`); these tests keep the locks and the bootstrap in the shape that makes it so.
"""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCKS = ROOT / "requirements"
SETS = ("app", "package", "test")
ENTRY = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+)(?: ; (?P<marker>.+?))? \\$")


def locked(name: str) -> dict[str, tuple[str, str, list[str]]]:
    """name -> (version, marker, hashes) of one lock file."""
    entries: dict[str, tuple[str, str, list[str]]] = {}
    current = ""
    for line in (LOCKS / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        match = ENTRY.match(line)
        if match:
            current = str(canonicalize_name(match["name"]))
            entries[current] = (match["version"], match["marker"] or "", [])
        elif line.strip().startswith("--hash="):
            entries[current][2].append(line.strip().removeprefix("--hash=").rstrip(" \\"))
        elif line.strip() and not line.lstrip().startswith("#"):
            raise AssertionError(f"{name}.txt: a line that is no pin and no hash: {line!r}")
    return entries


def wanted(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [Requirement(r) for r in project["dependencies"]]
    if extra:
        requirements += [Requirement(r) for r in project["optional-dependencies"][extra]]
    build = (LOCKS / "build.in").read_text(encoding="utf-8").splitlines()
    return requirements + [Requirement(r) for r in build if r and not r.startswith("#")]


@pytest.mark.parametrize("name", [*SETS, "bootstrap"])
def test_every_locked_package_is_pinned_with_sha256_hashes(name: str) -> None:
    entries = locked(name)
    assert entries
    for package, (_version, _marker, hashes) in entries.items():
        assert hashes, f"{name}.txt: {package} has no hash"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), package


@pytest.mark.parametrize("name", SETS)
def test_each_lock_pins_every_requirement_of_pyproject_within_its_range(name: str) -> None:
    entries = locked(name)
    for requirement in wanted(None if name == "app" else name):
        package = str(canonicalize_name(requirement.name))
        assert package in entries, f"{name}.txt lacks {requirement} (run sh scripts/lock)"
        pinned = entries[package][0]
        assert requirement.specifier.contains(pinned, prereleases=True), (
            f"{name}.txt pins {package}=={pinned}, outside {requirement} (run sh scripts/lock)"
        )


def test_a_package_has_one_version_in_every_lock() -> None:
    widest = locked("test")
    for name in ("app", "package"):
        for package, (pinned, _m, hashes) in locked(name).items():
            assert widest[package][0] == pinned, f"{package}: {name}.txt differs from test.txt"
            assert widest[package][2] == hashes, f"{package}: hashes differ between locks"


def test_this_environment_was_installed_from_the_test_lock() -> None:
    """What the suite runs on is what the lock names: every entry for this platform is
    installed at its pinned version."""
    environment = default_environment()
    checked = 0
    for package, (pinned, marker, _h) in locked("test").items():
        if marker and not Requirement(f"x ; {marker}").marker.evaluate(environment):  # type: ignore[union-attr]
            continue
        try:
            installed = version(package)
        except PackageNotFoundError:
            raise AssertionError(f"{package} is locked but not installed") from None
        assert installed == pinned, f"{package} {installed} installed, {pinned} locked"
        checked += 1
    assert checked > 50


def test_the_bootstrap_installs_only_from_the_locks_with_hashes_required() -> None:
    script = (ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
    commands = [
        " ".join(block.split())
        for block in re.split(r"(?<!\\)\n", script.replace("\\\n", " "))
        if "install" in block and not block.lstrip().startswith("#")
    ]
    installs = [c for c in commands if re.search(r"\b(pip|uv pip) install\b", c)]
    assert installs
    for command in installs:
        from_lock = "--require-hashes" in command and re.search(
            r"-r (\"\$lock\"|requirements/)", command
        )
        own_app = "--no-deps" in command and "--no-build-isolation" in command and "-e ." in command
        assert from_lock or own_app, f"an install that is not hash-checked: {command}"
