#!/usr/bin/env bash
# Set up .venv with a Python >= 3.12 and install ssbstack (editable) with DOLFINx from PyPI.
# Finds Python on PATH first, then in pyenv's installed versions; SSBSTACK_PYTHON overrides.
# Re-running is cheap: the install is skipped while pyproject.toml is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'bootstrap: %s\n' "$*"; }

good_python() {  # prints the interpreter's path if it runs and is >= 3.12
  "$1" -c 'import sys, venv; assert sys.version_info >= (3, 12); print(sys.executable)' 2>/dev/null
}

find_python() {
  local candidate found
  for candidate in "${SSBSTACK_PYTHON:-}" python3.12 python3.13 python3 python; do
    [ -n "$candidate" ] || continue
    command -v "$candidate" >/dev/null 2>&1 || continue
    if found=$(good_python "$candidate"); then echo "$found"; return 0; fi
  done
  local root
  root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
  for candidate in $(ls -d "$root"/versions/3.1[2-9]*/bin/python3 /usr/bin/python3.1[2-9] \
                     /usr/local/bin/python3.1[2-9] 2>/dev/null | sort -rV); do
    if found=$(good_python "$candidate"); then echo "$found"; return 0; fi
  done
  return 1
}

stamp=.venv/.ssbstack-installed
want=$(cat pyproject.toml scripts/bootstrap.sh | sha256sum | cut -d' ' -f1)
if [ -x .venv/bin/python ] && good_python .venv/bin/python >/dev/null && \
   [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi

if ! python=$(find_python); then
  say "no Python >= 3.12 found (looked on PATH and in pyenv's versions)." >&2
  say "install one, e.g. 'pyenv install 3.12' or your distribution's python3.12 + python3.12-venv," >&2
  say "or point SSBSTACK_PYTHON at it, then run this again." >&2
  exit 1
fi
say "using $python ($("$python" --version 2>&1))"
if [ -d .venv ] && ! good_python .venv/bin/python >/dev/null; then
  say "replacing .venv (it does not run a Python >= 3.12)"
  rm -rf .venv
fi
[ -d .venv ] || "$python" -m venv .venv
say "installing ssbstack with DOLFINx 0.11 (dolfinx-solver-real), gmsh, meshio, pytest, ruff"
quiet_pip() {  # pip, minus this machine's notes about unreachable local index folders
  .venv/bin/python -m pip "$@" 2> >(grep -v "WARNING: Location" >&2)
}
quiet_pip install --quiet --upgrade pip
quiet_pip install --quiet -e '.[wheel,test]'
.venv/bin/python -c 'import ssbstack.compat as c; c.load_dolfinx(); import gmsh, meshio' \
  || { say "install check failed: DOLFINx, gmsh or meshio does not import" >&2; exit 1; }
echo "$want" > "$stamp"
say "ready: $(.venv/bin/ssbstack --version)"
