#!/usr/bin/env bash
# Submits the sharded sweep as an array of N tasks and the merge as a job that runs when all of
# them succeeded:  examples/slurm/submit.sh N OUT_DIR [SWEEP OPTIONS]   (CCNORM=path to the tool)
# Prints the two job ids.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
N=${1:?number of shards}; OUT=${2:?output directory}; shift 2
export SHARDS=$N OUT CCNORM=${CCNORM:-ccnorm}
array=$(sbatch --parsable --array=0-$((N - 1)) --export=ALL "$here/sweep_array.sbatch" "$@")
merge=$(sbatch --parsable --dependency=afterok:"$array" --export=ALL "$here/merge.sbatch")
echo "$array $merge"
