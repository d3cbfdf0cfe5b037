"""Canonical JSON: the one byte form that hashes, digests and the journal agree on."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def _refuse(value: object) -> Any:
    raise TypeError(
        f"{type(value).__name__} cannot be written to the journal or a review "
        "(only plain JSON data; secrets never)"
    )


def canonical_json(value: Any) -> str:
    """Sorted keys, no insignificant whitespace, UTF-8 text, no NaN; anything else is refused."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_refuse,
    )


def digest(value: Any) -> str:
    """SHA-256 hex of the canonical JSON of `value`."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
