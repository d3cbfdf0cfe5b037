# Shared by scripts/drill, scripts/test and scripts/package: a project-local virtual environment
# with what is needed installed (idempotent; a second run only checks).
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
extras="${BOOTSTRAP_EXTRAS:?set BOOTSTRAP_EXTRAS to app, package or test}"
stamp=".venv/.installed-$extras"
# What a wider install already covers: test includes package (pyinstaller), both include app.
case "$extras" in
    app) covered_by="app package test" ;;
    package) covered_by="package test" ;;
    *) covered_by="$extras" ;;
esac
installed=""
for wider in $covered_by; do
    if [ -f ".venv/.installed-$wider" ] && [ ! pyproject.toml -nt ".venv/.installed-$wider" ]; then
        installed="$wider"
    fi
done
if [ -z "$installed" ]; then
    if [ "$extras" = "app" ]; then target="."; else target=".[$extras]"; fi
    # uv installs the same packages from PyPI as pip would, in a third of the time
    # (measured here: 16 s against 53 s for the test set, downloads included; byte-compiled
    # like pip does). Its cache (~/.cache/uv) makes a second install mostly copying. Where uv
    # cannot be had or fails (a proxy it does not know), pip does the same job.
    if .venv/bin/python -m pip install --quiet "uv==0.13.9" &&
        UV_LINK_MODE=copy .venv/bin/uv pip install --quiet --python .venv/bin/python \
            --compile-bytecode -e "$target"; then
        :
    else
        echo "bootstrap: uv unavailable, installing with pip" >&2
        .venv/bin/python -m pip install --quiet -e "$target"
    fi
    touch "$stamp"
fi
# Byte-compile the app's own modules, as pip does for an installed package and PyInstaller for
# the bundle. A checkout is otherwise compiled on every start where PYTHONDONTWRITEBYTECODE is
# set (this workplace sets it): ~60 ms of the 0.35 s cold-start budget (docs/rules.md §13). Files that
# are up to date are skipped, so a second run costs a few milliseconds.
.venv/bin/python -m compileall -q breakglass_gui
