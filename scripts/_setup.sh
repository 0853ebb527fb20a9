# Sourced by the other scripts: creates .venv and installs the project into it when needed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "Setting up a virtual environment in .venv (first run only)..." >&2
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
fi

# Reinstall only when the dependencies change, so later runs start at once.
STAMP="$VENV/.installed-$(cksum < pyproject.toml | cut -d' ' -f1)"
if [ ! -e "$STAMP" ]; then
  echo "Installing Hip Coach and its dependencies..." >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[dev]" >&2
  rm -f "$VENV"/.installed-*
  touch "$STAMP"
fi
