# Shared by scripts/drill and scripts/test: a project-local virtual environment with what is
# needed installed (idempotent; a second run only checks).
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
extras="${BOOTSTRAP_EXTRAS:?set BOOTSTRAP_EXTRAS to app or test}"
stamp=".venv/.installed-$extras"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    if [ "$extras" = "app" ]; then
        .venv/bin/python -m pip install --quiet -e .
    else
        .venv/bin/python -m pip install --quiet -e ".[$extras]"
    fi
    touch "$stamp"
fi
