"""Scanning what a run wrote for secret values, in the forms they could be written in."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, quote_plus

EDGE = 12  # a long secret's first and last characters are looked for on their own too


def variants(secret: str) -> set[bytes]:
    """The value as text, URL-encoded both ways, and base64 (a Basic header, a data URL); and
    a long one's first and last EDGE characters, so that a secret redacted only in part (up to
    an & or a } inside it, or from some way in) is found as well."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret)}
    if len(secret) >= 2 * EDGE:
        forms.update((secret[:EDGE], secret[-EDGE:]))
    encoded = {f.encode() for f in forms}
    encoded.add(base64.b64encode(secret.encode()).rstrip(b"="))
    return {f for f in encoded if len(f) >= 8}


def leaks(root: Path, secrets: Iterable[str], extra: dict[str, bytes] | None = None) -> list[str]:
    """Where any secret appears under `root` (every file) or in the `extra` named blobs."""
    forms = {form: secret for secret in secrets for form in variants(secret)}
    blobs = {str(p.relative_to(root)): _readable(p) for p in root.rglob("*") if p.is_file()}
    blobs.update(extra or {})
    found = []
    for name, data in blobs.items():
        for form, secret in forms.items():
            if form in data:
                found.append(f"{name}: a secret ({len(secret)} chars) as {form[:4]!r}…")
    return found


def _readable(path: Path) -> bytes:
    """The file's bytes; for a PDF also its text, which sits in compressed streams as glyph
    ids (a secret printed in the review would not show in the bytes)."""
    data = path.read_bytes()
    if path.suffix == ".pdf":
        from tests.support.pdf_text import pdf_pages

        data += "\n".join(pdf_pages(data)).encode()
    return data
