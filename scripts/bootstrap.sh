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
lock="requirements/$extras.txt"
installed=""
for wider in $covered_by; do
    if [ -f ".venv/.installed-$wider" ] && [ ! "requirements/$wider.txt" -nt ".venv/.installed-$wider" ] &&
        [ ! pyproject.toml -nt ".venv/.installed-$wider" ]; then
        installed="$wider"
    fi
done
if [ -z "$installed" ]; then
    # Everything comes from the hash-locked set (docs/supply-chain.md): every package pinned,
    # every file checked against its sha256 before it is unpacked, the build backend included
    # (the app itself is installed without build isolation, so nothing unhashed is fetched).
    # uv installs the same files as pip would, in a third of the time (measured here: 16 s
    # against 53 s for the test set); uv itself comes from requirements/bootstrap.txt, hashed.
    # Where uv cannot be had or fails (a proxy it does not know), pip does the same job.
    if .venv/bin/python -m pip install --quiet --require-hashes --no-deps \
        -r requirements/bootstrap.txt &&
        UV_LINK_MODE=copy .venv/bin/uv pip install --quiet --python .venv/bin/python \
            --compile-bytecode --require-hashes -r "$lock" &&
        .venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps \
            --no-build-isolation -e .; then
        :
    else
        echo "bootstrap: uv unavailable, installing with pip" >&2
        .venv/bin/python -m pip install --quiet --require-hashes -r "$lock"
        .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
    fi
    touch "$stamp"
fi
# Byte-compile the app's own modules, as pip does for an installed package and PyInstaller for
# the bundle. A checkout is otherwise compiled on every start where PYTHONDONTWRITEBYTECODE is
# set (this workplace sets it): ~60 ms of the 0.35 s cold-start budget (docs/rules.md §13). Files that
# are up to date are skipped, so a second run costs a few milliseconds.
.venv/bin/python -m compileall -q breakglass_gui
