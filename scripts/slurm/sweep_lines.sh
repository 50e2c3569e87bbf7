#!/usr/bin/env bash
# Number of runs in a sweep file (non-blank, non-comment lines): for sbatch --array=0-$((N-1)).
set -euo pipefail
[[ $# -eq 1 && -f "$1" ]] || { echo "usage: $0 SWEEPFILE" >&2; exit 2; }
grep -c -v -E '^[[:space:]]*(#|$)' "$1" || true
