"""Finish a built bundle (run by scripts/package after PyInstaller): its SBOM and its checksums.

    python packaging/finish.py DIST/breakglass

- `sbom.cdx.json`: a CycloneDX 1.6 SBOM of what the bundle runs — the app (name, version,
  licence) and every package of the hash-locked runtime set `requirements/app.txt` with its
  version, purl and the sha256 of each of its published files — written by the reference tool
  (cyclonedx-py) from the lock, so it names exactly the set the app was installed from, and
  validated against the CycloneDX 1.6 schema once finished (`validated`). With
  SOURCE_DATE_EPOCH set (scripts/package sets it to the commit's time) it carries that time
  and no random serial number, so the same commit gives the same SBOM.
- `SHA256SUMS`: one `sha256  path` line per file of the bundle (sorted; `sha256sum -c SHA256SUMS`
  in the bundle's folder checks it), the SBOM included and itself excluded.
- `APP_FILES`: the paths of the app's own files among them (see `app_files`): the ones two builds
  of the same commit must give the same hashes for (docs/supply-chain.md; tests/packaging).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SBOM = "sbom.cdx.json"
SUMS = "SHA256SUMS"
APP_FILES = "APP_FILES"


def sbom(bundle: Path, version: str) -> Path:
    """The SBOM of the locked runtime set, with the app as its root component."""
    out = bundle / SBOM
    tool = Path(sys.executable).with_name("cyclonedx-py")
    made = subprocess.run(  # noqa: S603 - the venv's own tool, fixed arguments
        [
            str(tool),
            "requirements",
            "--pyproject",
            str(ROOT / "pyproject.toml"),
            "--output-reproducible",
            "--no-validate",  # the finished document is validated below, after the changes
            "--output-file",
            str(out),
            str(ROOT / "requirements" / "app.txt"),
        ],
        capture_output=True,  # its notes: the root's dependency graph, "validation skipped"
        text=True,
        check=False,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    if made.returncode != 0:
        raise SystemExit(f"cyclonedx-py failed:\n{made.stdout}{made.stderr}")
    document = json.loads(out.read_text(encoding="utf-8"))
    # The version is dynamic in pyproject.toml (breakglass_gui.__version__), which the tool
    # cannot read: the root component gets it here.
    root = document["metadata"]["component"]
    root["version"] = version
    root["purl"] = f"pkg:pypi/breakglass-gui@{version}"
    # Every locked package is a dependency of the app (the lock is its closure).
    document["dependencies"] = [
        {"ref": root["bom-ref"], "dependsOn": sorted(c["bom-ref"] for c in document["components"])},
        *[d for d in document.get("dependencies", []) if d.get("ref") != root["bom-ref"]],
    ]
    out.write_text(validated(json.dumps(document, indent=2, sort_keys=True) + "\n"), "utf-8")
    return out


def validated(text: str) -> str:
    """The finished SBOM against CycloneDX 1.6's JSON schema, strictly (no property the schema
    does not name), with the reference library's validator. The tool validates what it writes,
    but the root component's version and the dependencies are changed after that: what ships
    is what is checked here. A document that does not validate stops the build."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        raise SystemExit(f"{SBOM} is not valid CycloneDX 1.6: {error}")
    return text


def files(bundle: Path) -> Iterator[Path]:
    for path in sorted(bundle.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.name not in (SUMS, APP_FILES):
            yield path


def app_files(bundle: Path) -> list[str]:
    """The app's own files in the bundle: the executable (the app's compiled modules are in its
    archive), its metadata, the shipped resources and guide, the desktop entry and icon, and
    the SBOM.
    The rest are third-party files copied as installed (Qt, Python, the wheels' contents)."""
    own = []
    for path in files(bundle):
        rel = path.relative_to(bundle).as_posix()
        if rel in ("breakglass", "breakglass.desktop", "breakglass.svg", SBOM) or rel.startswith(
            ("_internal/resources/", "_internal/docs/", "_internal/breakglass_gui-")
        ):
            own.append(rel)
    return own


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checksums(bundle: Path) -> Path:
    lines = [f"{sha256(p)}  {p.relative_to(bundle).as_posix()}\n" for p in files(bundle)]
    out = bundle / SUMS
    out.write_text("".join(lines), encoding="utf-8")
    (bundle / APP_FILES).write_text("".join(f"{p}\n" for p in app_files(bundle)), "utf-8")
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: python packaging/finish.py DIST/breakglass", file=sys.stderr)
        return 2
    bundle = Path(argv[0])
    sys.path.insert(0, str(ROOT))
    from breakglass_gui import __version__

    sbom(bundle, __version__)
    checksums(bundle)
    print(f"{bundle / SBOM} (valid CycloneDX 1.6) and {bundle / SUMS} written")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
