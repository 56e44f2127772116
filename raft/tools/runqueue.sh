#!/bin/bash
# Where the CPU goes and how long threads wait for it, by thread name, over an interval.
#
#   raft/tools/runqueue.sh [SECONDS] [PGREP_PATTERN]
#
# Reads /proc/<pid>/task/*/schedstat (time running, time runnable but waiting for a CPU, and
# time slices) of every thread of the processes matching PGREP_PATTERN (default: the replicas,
# the benchmarks and PostgreSQL) twice, SECONDS apart (default 10), and prints the difference
# summed per thread name (digits folded: raft-apply-3 -> raft-apply-N; threads that started or ended in between are left out). Run it while a benchmark
# is inside its measurement window. A wait/cpu ratio well above 1 means the machine is
# saturated and latency is queueing for the CPU (raft/README.md, "Session 5").
set -euo pipefail
secs=${1:-10}
pattern=${2:-'ProductDbMain|CustomerDbMain|RaftBenchmark|CustomerDbTotemBench|postgres'}

# one line per thread: pid/tid, name, run ns, wait ns, slices (no forks per thread: a snapshot
# must not add load of its own)
snapshot() {
  local p t run wait slices name
  for p in $(pgrep -f "$pattern" | grep -vx "$$"); do
    for t in /proc/$p/task/*; do
      { read -r run wait slices < "$t/schedstat" && read -r name < "$t/comm"; } 2>/dev/null \
        || continue
      echo "$p/${t##*/} ${name// /_} $run $wait $slices"
    done
  done
}

before=$(mktemp)
trap 'rm -f "$before"' EXIT
snapshot > "$before"
sleep "$secs"
snapshot | awk -v secs="$secs" '
  NR == FNR { run[$1] = $3; wait[$1] = $4; sl[$1] = $5; next }
  ($1 in run) { n = $2; gsub(/[0-9]+/, "N", n); r[n] += $3 - run[$1]; w[n] += $4 - wait[$1]; s[n] += $5 - sl[$1] }
  END {
    printf "%-24s %10s %10s %10s   (over %s s)\n", "thread name", "cpu s", "wait s", "slices", secs
    for (n in r) if (r[n] > 0) printf "%-24s %10.2f %10.2f %10d\n", n, r[n] / 1e9, w[n] / 1e9, s[n] | "sort -k2 -rn"
  }' "$before" -
