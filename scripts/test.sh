#!/usr/bin/env bash
# The whole test suite: ruff, then pytest (unit, fem, mpi; MPI runs have timeouts).
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=1
echo "== ruff"
.venv/bin/ruff check solver tests scripts
echo "== pytest"
status=0
.venv/bin/python -m pytest -q -p no:cacheprovider "$@" || status=$?
if [ "$status" -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi
exit "$status"
