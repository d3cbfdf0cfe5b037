"""Write review files atomically: temp file, fsync, rename, fsync the directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from breakglass_gui.core.canonical import canonical_json
from breakglass_gui.core.errors import ReviewError
from breakglass_gui.core.files import write_atomically
from breakglass_gui.core.incident import INCIDENT_ID
from breakglass_gui.core.review.data import ReviewSubject, build_review, file_name
from breakglass_gui.core.review.pdf import review_pdf
from breakglass_gui.core.review.render import render_html, render_json, render_markdown
from breakglass_gui.core.text import visible


def _text(render: Callable[[dict[str, Any]], str]) -> Callable[[dict[str, Any]], bytes]:
    return lambda review: render(review).encode("utf-8")


# Format name → (file suffix, review data → file bytes). One seam: a new format is a line here.
RENDERERS: dict[str, tuple[str, Callable[[dict[str, Any]], bytes]]] = {
    "html": (".html", _text(render_html)),
    "md": (".md", _text(render_markdown)),
    "json": (".json", _text(render_json)),
    "pdf": (".pdf", review_pdf),
}


def atomic_write(path: Path, data: bytes) -> None:
    """core/files.py's all-or-nothing write; a failure in the operator's words."""
    try:
        write_atomically(path, data)
    except OSError as exc:
        raise ReviewError(
            f"The review could not be written to {path.parent} "
            f"({exc.strerror or exc}). Nothing partial was left; choose another "
            "location or free space and export again.",
            code="review.write",
        ) from None


def export_review(
    procedure: ReviewSubject,
    out_dir: Any,
    formats: tuple[str, ...],
) -> tuple[list[Path], dict[str, Any]]:
    """Write each format atomically (names from RENDERERS); the files and the review written."""
    if not INCIDENT_ID.fullmatch(procedure.id):
        # The id names the files: a journal edited to hold "../../x" must not choose a path.
        raise ReviewError(
            f'"{visible(procedure.id)[:40]}" is not an incident id (like BG-20261201-A1B2); '
            "no review file is named after it.",
            code="review.incident_id",
        )
    review = build_review(procedure)
    directory = Path(out_dir)
    stem = file_name(procedure.id, "review", review["drill"])
    written = []
    for name in formats:
        if name not in RENDERERS:
            raise ReviewError(f"Unknown review format {name!r}.", code="review.format")
        suffix, render = RENDERERS[name]
        data = render(review)
        path = directory / f"{stem}{suffix}"
        atomic_write(path, data)
        written.append(path)
    # Beside the review, always: what an auditor checks with the approvers' public keys alone.
    path = directory / f"{file_name(procedure.id, 'approvals', review['drill'])}.json"
    atomic_write(path, (canonical_json(review["approval_bundle"]) + "\n").encode("utf-8"))
    written.append(path)
    return written, review
