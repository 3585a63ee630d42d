#!/usr/bin/env bash
# The Slurm example (examples/slurm/) on a one-node cluster started and stopped here: installs
# slurm-wlm and munge when missing (Debian, needs root: without root and without them the test FAILS,
# saying so), starts munged, slurmctld and slurmd on localhost (private ports, state under a temp
# dir), submits the sweep as an array of 3 shards plus the dependent merge, requeues shard 1 while
# it runs (Slurm kills the task; the requeued task resumes its file), and checks that the merged
# CSV and its .worst.csv equal the unsharded run's byte for byte. Prints its wall time.
#   tests/slurm/run.sh [path/to/ccnorm]
set -euo pipefail
t_start=$(date +%s)
CCNORM=$(readlink -f "${1:-build/ccnorm}")
here=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "slurm test: FAIL: $*" >&2; exit 1; }
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  [[ $(id -u) == 0 ]] || fail "slurm-wlm and munge are not installed and this is not root (apt-get install slurm-wlm munge)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null ||
    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null; } ||
    fail "cannot install slurm-wlm munge"
fi
[[ $(id -u) == 0 ]] || fail "slurmd must run as root here (this test starts its own cluster)"
W=$(mktemp -d /tmp/ccnorm_slurm_XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  [[ ${KEEP:-0} == 1 ]] || rm -rf "$W"
}
trap cleanup EXIT
host=$(hostname -s)
# munge: its own key, socket and state under $W (no system service touched)
mkdir -p "$W/munge" "$W/state" "$W/spool" "$W/out"
chmod 700 "$W/munge"
dd if=/dev/urandom of="$W/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$W/munge/munge.key"
sock=$W/munge/munge.socket
munged --force --key-file="$W/munge/munge.key" --socket="$sock" --pid-file="$W/munge/munged.pid" \
  --log-file="$W/munge/munged.log" --seed-file="$W/munge/seed"
for _ in $(seq 50); do [[ -s $W/munge/munged.pid ]] && break; sleep 0.1; done
pids+=("$(cat "$W/munge/munged.pid")")
cpus=$(nproc)
cat > "$W/slurm.conf" <<CONF
ClusterName=ccnormtest
SlurmctldHost=$host
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool/slurmd-%n
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/slurmctld.log
SlurmdLogFile=$W/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/builtin
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=2
MinJobAge=600
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$W/slurm.conf
slurmctld -D -f "$SLURM_CONF" >"$W/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$W/slurmd.out" 2>&1 &
pids+=($!)
for i in $(seq 120); do
  st=$(sinfo -h -N -o %t 2>/dev/null | head -1 || true)
  [[ $st == idle* ]] && break
  [[ $i == 120 ]] && { tail -20 "$W"/slurmctld.log "$W"/slurmd.log >&2 || true; fail "the node never became idle (state '$st')"; }
  sleep 0.5
done
echo "slurm test: cluster up after $(( $(date +%s) - t_start )) s" >&2
# the sweep: about 20 s of work in all, so that shard 1 can be requeued while it runs
SWEEP=(--algos auto,taylor,closed-form,sorted-difference --dtypes f64,f32 --families gaussian,ties,outlier
       --K 50,300,1000 --sigmas 1,100 --seeds 3 --dist-max-K 0 --threads 1)
"$CCNORM" sweep "${SWEEP[@]}" --no-progress --out "$W/ref.csv" 2>"$W/ref.log"
cd "$W/out"
ids=$(CCNORM=$CCNORM "$here/examples/slurm/submit.sh" 3 "$W/out" "${SWEEP[@]}")
array=${ids% *}; merge=${ids#* }
echo "slurm test: array job $array, merge job $merge" >&2
# requeue shard 1 once it has written some rows (Slurm kills it mid-run)
for i in $(seq 600); do
  f=$W/out/shard-1.csv
  if [[ -f $f && $(wc -l <"$f") -gt 3 ]]; then break; fi
  [[ $i == 600 ]] && fail "shard 1 never started writing"
  sleep 0.1
done
rows_before=$(wc -l <"$W/out/shard-1.csv")
scontrol requeue "${array}_1"
# a requeued job is held back ~2 minutes (its eligible time, set once it is pending again): make it
# eligible now (an optimisation only: without it the test takes ~2 minutes longer)
for i in $(seq 200); do
  [[ $(squeue -h -j "${array}_1" -o %T 2>/dev/null || true) == PENDING ]] && break
  sleep 0.1
done
scontrol update jobid="${array}_1" StartTime=now 2>/dev/null || true
echo "slurm test: requeued ${array}_1 with $rows_before lines written" >&2
for i in $(seq 1200); do
  st=$(squeue -h -j "$merge" -o %T 2>/dev/null || true)
  [[ -z $st ]] && break
  [[ $i == 1200 ]] && fail "the merge job did not finish (state $st)"
  sleep 0.5
done
[[ -f $W/out/merged.csv ]] || { cat "$W"/out/*.log >&2 || true; fail "no merged.csv"; }
grep -q "resum\|already done" "$W"/out/ccnorm-sweep-*_1.log || echo "slurm test: note: shard 1's log shows no resume" >&2
cmp "$W/out/merged.csv" "$W/ref.csv" || fail "merged.csv differs from the unsharded run"
cmp "$W/out/merged.worst.csv" "$W/ref.worst.csv" || fail "merged.worst.csv differs from the unsharded run"
echo "slurm test: PASS: merged = unsharded byte for byte ($(wc -l <"$W/ref.csv") lines); wall time $(( $(date +%s) - t_start )) s" >&2
