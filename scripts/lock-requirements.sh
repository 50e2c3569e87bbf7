#!/usr/bin/env bash
# Regenerate containers/requirements.lock: every runtime dependency of ssbstack (pyproject.toml
# `dependencies` + extra `wheel`, i.e. the DOLFINx wheel) and the build backend (setuptools),
# pinned with sha256 hashes, resolved for CPython 3.13 on Linux x86_64 (the python3 of the Debian trixie
# image). The image installs it with `pip install --require-hashes`.
#
#   scripts/lock-requirements.sh            write containers/requirements.lock
#   scripts/lock-requirements.sh --check    fail if the lock does not cover pyproject.toml any more
#
# Needs a Python 3.13 (PATH, else pyenv's versions; set LOCK_PYTHON to choose) and PyPI. The host's pip
# configuration (extra indexes, find-links, constraints) is ignored so only PyPI decides; its CA setting
# (PIP_CERT / global.cert) is kept for proxies that re-sign TLS.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/containers/requirements.lock"
PIP_TOOLS_VERSION="${PIP_TOOLS_VERSION:-7.5.3}"
say() { printf '[lock] %s\n' "$*" >&2; }
die() { printf '[lock] ERROR: %s\n' "$*" >&2; exit 1; }

find_py313() {
  if [[ -n "${LOCK_PYTHON:-}" ]]; then echo "$LOCK_PYTHON"; return; fi
  local c
  for c in python3.13 $(ls -d "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/3.13*/bin/python3 2>/dev/null | sort -rV); do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then
      command -v "$c"; return; fi
  done
  die "no Python 3.13 found (the image's python3 is 3.13): install one or set LOCK_PYTHON"
}

cert="${PIP_CERT:-$(pip config get global.cert 2>/dev/null || true)}"
py=$(find_py313)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# ignore this machine's pip config (local wheel dirs, constraints), keep only the CA bundle
unset PIP_FIND_LINKS PIP_EXTRA_INDEX_URL PIP_CONSTRAINT PIP_NO_INDEX
export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1
[[ -n "$cert" && -s "$cert" ]] && export PIP_CERT="$cert"

"$py" - "$ROOT/pyproject.toml" >"$tmp/requirements.in" <<'PY'
import sys, tomllib
p = tomllib.load(open(sys.argv[1], "rb"))
print("# generated from pyproject.toml by scripts/lock-requirements.sh")
for r in p["project"]["dependencies"] + p["project"]["optional-dependencies"]["wheel"]:
    print(r)
for r in p["build-system"]["requires"]:
    print(r, "# build backend: the image installs ssbstack with --no-build-isolation")
PY

if [[ "${1:-}" == "--check" ]]; then
  [[ -s "$OUT" ]] || die "$OUT missing"
  "$py" - "$tmp/requirements.in" "$OUT" <<'PY'
import re, sys
want = [l.split("#")[0].strip() for l in open(sys.argv[1]) if l.split("#")[0].strip()]
pins = {}
for l in open(sys.argv[2]):
    m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", l)
    if m: pins[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2)
from importlib.metadata import version  # noqa: F401  (stdlib only below)
bad = []
for req in want:
    name = re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.\-]+", req).group(0)).lower()
    if name not in pins:
        bad.append(f"{req}: not in the lock"); continue
    spec = req[len(re.match(r"[A-Za-z0-9_.\-]+", req).group(0)):].strip()
    try:
        from packaging.specifiers import SpecifierSet
        if spec and pins[name] not in SpecifierSet(spec):
            bad.append(f"{req}: lock pins {pins[name]}")
    except ImportError:
        pass
if bad:
    sys.exit("lock out of date:\n  " + "\n  ".join(bad) + "\nrun scripts/lock-requirements.sh")
print(f"[lock] {sys.argv[2]} covers pyproject.toml ({len(pins)} pins)")
PY
  exit 0
fi

say "python $("$py" -c 'import sys; print(sys.version.split()[0])') ($py), pip-tools $PIP_TOOLS_VERSION"
"$py" -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q "pip-tools==$PIP_TOOLS_VERSION"
cd "$ROOT"
CUSTOM_COMPILE_COMMAND="scripts/lock-requirements.sh" \
  "$tmp/venv/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
    --no-emit-find-links --resolver=backtracking --output-file "$tmp/requirements.lock" "$tmp/requirements.in"
# make the header independent of the temp dir
sed -e "s#$tmp/requirements.in#pyproject.toml (dependencies + extra wheel + build-system.requires)#g" \
  "$tmp/requirements.lock" >"$OUT"
say "wrote $OUT ($(grep -c '^[A-Za-z0-9]' "$OUT") packages)"
