"""Render the review's outline (document.py) with Jinja2 templates: HTML autoescaped, Markdown
through `md` and `pre` (CloudTrail data is untrusted). The PDF is pdf.py's."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from breakglass_gui.core.resources import resource_path
from breakglass_gui.core.review.document import outline
from breakglass_gui.core.text import visible

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def md_escape(value: object) -> str:
    """Escape for Markdown *and* for the HTML a Markdown renderer passes through."""
    text = visible(value, multiline=True)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace("\r", " ").replace("\n", "<br>")


def pre_escape(value: object) -> str:
    """For a Markdown HTML block (`<pre>`): entities only, so the record reads as it was."""
    return html.escape(visible(value, multiline=True), quote=False)


def _no_control(value: object) -> object:
    return visible(value, multiline=True) if isinstance(value, str) else value


def _environment(autoescape: bool) -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource_path("templates"))),
        autoescape=autoescape,  # noqa: S701 - Markdown escapes through the `md` filter
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_no_control,  # a terminal escape or bidi override shows as \x1b, \u202e
    )
    env.filters["md"] = md_escape
    env.filters["pre"] = pre_escape
    return env


def render_html(review: dict[str, Any]) -> str:
    return str(_environment(True).get_template("review.html.j2").render(doc=outline(review)))


def render_markdown(review: dict[str, Any]) -> str:
    return str(_environment(False).get_template("review.md.j2").render(doc=outline(review)))


def render_json(review: dict[str, Any]) -> str:
    return json.dumps(review, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
