"""A wrapper that keeps secret values out of reprs, logs, JSON and the journal by construction."""

from __future__ import annotations

from typing import Final, NoReturn

_MASK: Final = "«secret»"


class Secret:
    """Holds a secret string; only `reveal()` returns it.

    `str()`, `repr()` and f-strings show a mask, pickling and JSON encoding refuse, so a secret
    that slips into a log line, an exception message or a journal payload is never written.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("Secret holds a str")
        self._value: str | None = value

    def reveal(self) -> str:
        if self._value is None:
            raise ValueError("this secret was already wiped")
        return self._value

    def wipe(self) -> None:
        """Drop the reference so the value can be collected (CPython cannot scrub str memory)."""
        self._value = None

    @property
    def wiped(self) -> bool:
        return self._value is None

    def __repr__(self) -> str:
        return f"Secret({_MASK})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")

    def __eq__(self, other: object) -> bool:
        import hmac

        if not isinstance(other, Secret) or self._value is None or other._value is None:
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return id(self)

    def __bool__(self) -> bool:
        return bool(self._value)
