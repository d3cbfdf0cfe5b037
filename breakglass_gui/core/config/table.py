"""Typed, path-aware reading of one TOML table, for the configuration loader (docs/rules.md §7).

Every key read is marked; what is left at the end is an unknown key. Problems are collected
with their key path, never raised one by one, so a file's problems are all reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, TypeVar

T = TypeVar("T")

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)


class Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, text: str) -> None:
        self.items.append(f"{path}: {text}")


class Table:
    """Typed access to one TOML table; every key read is marked, the rest are unknown keys."""

    def __init__(self, data: Any, path: str, problems: Problems) -> None:
        self.path = path
        self.problems = problems
        self.ok = isinstance(data, dict)
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        self.seen: set[str] = set()
        if not self.ok:
            problems.add(path, f"must be a table, not {_kind(data)}")

    def key(self, name: str) -> str:
        # A key from the file is shown as TOML would write it: bare if it can be, else quoted
        # and escaped (a hostile key cannot put control characters on the screen).
        shown = name if _BARE_KEY.fullmatch(name) else quote(name)
        return f"{self.path}.{shown}" if self.path else shown

    def get(
        self, name: str, kind: type[T], default: T | None = None, *, required: bool = False
    ) -> T | None:
        self.seen.add(name)
        if name not in self.data:
            if required and self.ok:
                self.problems.add(self.key(name), "is required")
            return default
        value = self.data[name]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            self.problems.add(self.key(name), f"must be {_kind_name(kind)}, not {_kind(value)}")
            return default
        return value

    def text(
        self,
        name: str,
        default: str | None = None,
        *,
        required: bool = False,
        pattern: re.Pattern[str] | None = None,
        what: str = "",
    ) -> str | None:
        value = self.get(name, str, default, required=required)
        if value is None:
            return None
        if name in self.data and not value.strip():
            self.problems.add(self.key(name), "must not be empty")
            return None
        if pattern is not None and name in self.data and not pattern.fullmatch(value):
            self.problems.add(self.key(name), f"{quote(value)} is not {what}")
            return None
        return value

    def choice(self, name: str, choices: Iterable[str], default: str | None = None) -> str | None:
        options = tuple(choices)
        value = self.get(name, str, default, required=default is None)
        if value is not None and value not in options:
            self.problems.add(self.key(name), f"{quote(value)} is not one of {', '.join(options)}")
            return None
        return value

    def duration(self, name: str, default: int, low: int, high: int) -> int:
        value = self.get(name, int, default)
        assert value is not None
        if not low <= value <= high:
            self.problems.add(
                self.key(name), f"{value} seconds is outside the AWS limits {low}–{high} seconds"
            )
            return default
        return value

    def strings(self, name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.get(name, list, None)
        if value is None:
            return default
        if not all(isinstance(v, str) and v for v in value):
            self.problems.add(self.key(name), "must be a list of non-empty strings")
            return default
        return tuple(value)

    def tables(self, name: str) -> list[Table]:
        self.seen.add(name)
        value = self.data.get(name, [])
        if not isinstance(value, list):
            self.problems.add(self.key(name), f"must be an array of tables, not {_kind(value)}")
            return []
        return [
            Table(item, f"{self.key(name)}[{i}]", self.problems) for i, item in enumerate(value)
        ]

    def table(self, name: str, *, required: bool = False) -> Table:
        self.seen.add(name)
        if name not in self.data and required and self.ok:
            self.problems.add(self.key(name), "section is required")
        return Table(self.data.get(name, {}), self.key(name), self.problems)

    def finish(self) -> None:
        for name in sorted(set(self.data) - self.seen):
            self.problems.add(self.key(name), "unknown key (check the spelling)")


def _kind(value: object) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _kind_name(kind: type) -> str:
    return {bool: "true or false", int: "an integer", str: "a string", list: "an array"}.get(
        kind, kind.__name__
    )


def quote(value: str) -> str:
    """A value as TOML would quote it, escaped, at most 80 characters (hostile text stays inert)."""
    shown = value if len(value) <= 80 else value[:77] + "..."
    return '"' + shown.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'
