#!/usr/bin/env bash
# Create .venv at the repo root if it is missing, install a requirements file into it and then the
# project itself (editable, so `import rnnviz` works from any directory and the `rnnviz` command
# exists), skipping the install when nothing it depends on has changed.
set -euo pipefail
cd "$(dirname "$0")/.."

req=${1:-requirements.txt}
venv=.venv

# The first Python >= 3.11 on PATH, newest-tested first; PYTHON=... picks one by hand.
find_python() {
  local candidate
  for candidate in ${PYTHON:-python3.11 python3.12 python3.13 python3}; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
  if ! python=$(find_python); then
    echo "setup: no Python >= 3.11 found (tried ${PYTHON:-python3.11 python3.12 python3.13 python3});" \
         "install one, or set PYTHON=/path/to/python3.x" >&2
    exit 1
  fi
  echo "setup: creating $venv with $("$python" --version 2>&1)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi

# The stamp is keyed on the requirements file, every file it pulls in with -r, and pyproject.toml
# (the editable install reads its dependencies and console script from there).
files=("$req" pyproject.toml)
while read -r inc; do files+=("$(dirname "$req")/$inc"); done \
  < <(sed -nE 's/^[[:space:]]*-r[[:space:]]+([^[:space:]#]+).*/\1/p' "$req")
hash=$(cat "${files[@]}" | sha256sum | cut -c1-16)
stamp="$venv/.installed-$(basename "$req").$hash"

if [[ -f $stamp ]]; then
  echo "setup: $req already installed in $venv (skipping)"
  exit 0
fi
echo "setup: installing $req into $venv"
pip=("$venv/bin/python" -m pip install --disable-pip-version-check -q)
"${pip[@]}" -r "$req"
# --no-deps: the requirements above already pinned every dependency (torch as the CPU wheel);
# letting pip resolve pyproject's plain `torch==2.13.0` again could fetch PyPI's CUDA build.
echo "setup: installing rnnviz itself (editable) into $venv"
"${pip[@]}" --no-deps --no-build-isolation -e . 2>/dev/null || "${pip[@]}" --no-deps -e .
rm -f "$venv/.installed-$(basename "$req")".*
touch "$stamp"
