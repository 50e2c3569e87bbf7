#!/usr/bin/env bash
# Submit a sweep: first a one-rank job that validates the case and fills the shared JIT cache, then the
# job array (sweep.sbatch) that starts only after it succeeded, so the array's tasks do not all compile
# the same forms at once.
#
#   scripts/slurm/submit_sweep.sh CASE SWEEPFILE OUTROOT [sbatch options for the array ...] [-- run options]
#   e.g. SSB_SIF=$PWD/ssbstack.sif scripts/slurm/submit_sweep.sh cases/x.toml sweep.txt results/sweep --ntasks=8 -- --overwrite
set -euo pipefail
die() { printf '[submit-sweep] ERROR: %s\n' "$*" >&2; exit 2; }
[[ $# -ge 3 ]] || die "usage: $0 CASE SWEEPFILE OUTROOT [sbatch options] [-- run options]"
CASE=$1 SWEEP=$2 OUTROOT=$3; shift 3
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SBATCH_OPTS=() RUN_OPTS=()
while [[ $# -gt 0 ]]; do
  if [[ "$1" == -- ]]; then shift; RUN_OPTS=("$@"); break; fi
  SBATCH_OPTS+=("$1"); shift
done
n=$("$HERE/sweep_lines.sh" "$SWEEP")
[[ "$n" -ge 1 ]] || die "$SWEEP has no run lines"
command -v sbatch >/dev/null || die "sbatch not found"
# the first line's overrides are used for the warm-up (forms rarely depend on parameter values)
mapfile -d '' -t first < <(grep -v -E '^[[:space:]]*(#|$)' "$SWEEP" | head -1 | xargs printf '%s\0')
warm_sets=(); for p in "${first[@]}"; do warm_sets+=(--set "$p"); done
mkdir -p "$OUTROOT"
warm=$(SSB_WARM_ONLY=1 sbatch --parsable --job-name=ssbstack-warm --ntasks=1 --time=00:30:00 \
        --output="$OUTROOT/warm-%j.out" \
        "$HERE/run_case.sbatch" "$CASE" "$OUTROOT/warm" "${warm_sets[@]}")
arr=$(sbatch --parsable --dependency="afterok:${warm%%;*}" --array="0-$((n - 1))" "${SBATCH_OPTS[@]}" \
        "$HERE/sweep.sbatch" "$CASE" "$SWEEP" "$OUTROOT" "${RUN_OPTS[@]}")
echo "pre-compile job ${warm%%;*}, sweep array ${arr%%;*} ($n runs) -> $OUTROOT/run-NNNN"
