#!/usr/bin/env bash
# What idle notifications cost, in one run: this JVM's CPU (utime + stime from /proc/self/stat over a window,
# default 60 s: every registration's once-a-minute safety-net read falls in it once) with the API up and 0, 1,000 and N (default 10,000; bounded by free memory) containers holding
# an idle OOM registration each, the OOM latency (as run-oom-latency.sh) while those N are held, then 1,000
# idle memory-threshold registrations; then the OOM latency alone, in a fresh JVM. Goal: <= 1 % of a CPU at 10,000 idle OOM registrations, OOM p99 <= 10 ms. Root only.
# An idle v1 OOM registration holds one descriptor (its eventfd): N is bounded by the descriptor limit too.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root
build_jar
n=${1:-10000}
seconds=${2:-60}
echo "loadavg before: $(cat /proc/loadavg)"
ulimit -n "$(ulimit -Hn)"
echo "descriptor limit: $(ulimit -n)"
java -cp "$here/target/benchmarks.jar" org.lmctfy.benchmarks.IdleEvents "$n" "$seconds" "${3:-30}"
java -cp "$here/target/benchmarks.jar" org.lmctfy.benchmarks.OomLatency "${3:-30}"
echo "loadavg after: $(cat /proc/loadavg)"
