#!/usr/bin/env bash
# Create .venv at the repo root if it is missing, then install a requirements file into it,
# skipping the install when that file (and the ones it includes with -r) has not changed.
set -euo pipefail
cd "$(dirname "$0")/.."

req=${1:-requirements.txt}
venv=.venv
python=${PYTHON:-python3.11}

if ! command -v "$python" >/dev/null 2>&1; then
  echo "setup: $python not found; rnnviz is developed on Python 3.11 (set PYTHON=python3.12 to try another)." >&2
  exit 1
fi
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
  echo "setup: creating $venv with $("$python" --version 2>&1)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi

# The stamp is keyed on the contents of the file and of every file it pulls in with -r.
files=("$req")
while read -r inc; do files+=("$(dirname "$req")/$inc"); done \
  < <(sed -nE 's/^[[:space:]]*-r[[:space:]]+([^[:space:]#]+).*/\1/p' "$req")
hash=$(cat "${files[@]}" | sha256sum | cut -c1-16)
stamp="$venv/.installed-$(basename "$req").$hash"

if [[ -f $stamp ]]; then
  echo "setup: $req already installed in $venv (skipping)"
  exit 0
fi
echo "setup: installing $req into $venv"
"$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req"
rm -f "$venv/.installed-$(basename "$req")".*
touch "$stamp"
