"""What the app is built from and under which licences (Help → About, issue 19).

Read from the installed distributions' own metadata (the `License-Expression` field, else
`License`, else the licence classifiers), so the list is the truth of this install or bundle,
not a list someone keeps by hand. A component whose metadata is absent (a bundle collects it
for some packages only) says so."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata

APP = "breakglass-gui"


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    licence: str


def _field(meta: metadata.PackageMetadata, name: str) -> str:
    """One header of the metadata, "" when absent (the protocol has no `get`)."""
    return str(meta[name] or "") if name in meta else ""


def _licence(meta: metadata.PackageMetadata) -> str:
    expression = _field(meta, "License-Expression")
    if expression:
        return expression
    classifiers = [
        c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")
    ]
    text = _field(meta, "License")
    if text and "\n" not in text and len(text) < 60 and text.upper() != "UNKNOWN":
        return text
    return ", ".join(classifiers) or "see the package's licence file"


def direct_requirements(app: metadata.Distribution) -> list[str]:
    """The names of what `app` needs to run (no extras), by name; the bundle's spec collects
    their metadata from this list too (packaging/breakglass.spec)."""
    return sorted(
        {
            re.split(r"[\s;\[<>=!~]", requirement, maxsplit=1)[0]
            for requirement in app.requires or []
            if "extra ==" not in requirement
        },
        key=str.lower,
    )


def components() -> list[Component]:
    """The app, then each direct dependency of the app, by name."""
    try:
        app = metadata.distribution(APP)
    except metadata.PackageNotFoundError:
        return []
    found = [Component(APP, app.version, _licence(app.metadata))]
    for name in direct_requirements(app):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            found.append(Component(name, "—", "metadata not in this build"))
            continue
        found.append(Component(name, dist.version, _licence(dist.metadata)))
    return found
