#!/usr/bin/env bash
# What idle notifications cost, in one run: this JVM's CPU (utime + stime from /proc/self/stat over a window,
# default 20 s) with the API up and 0, 1,000 and N (default 10,000; bounded by free memory) containers holding
# an idle OOM registration each, then 1,000 idle memory-threshold registrations; then the OOM latency
# (run-oom-latency.sh). Goal: <= 1 % of a CPU at 10,000 idle OOM registrations, OOM p99 <= 10 ms. Root only.
# Each v1 OOM registration holds two descriptors (its eventfd, memory.oom_control): the limit is raised.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root
build_jar
n=${1:-10000}
seconds=${2:-20}
echo "loadavg before: $(cat /proc/loadavg)"
ulimit -Hn $((3 * n + 4096)) 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"
java -cp "$here/target/benchmarks.jar" org.lmctfy.benchmarks.IdleEvents "$n" "$seconds"
java -cp "$here/target/benchmarks.jar" org.lmctfy.benchmarks.OomLatency "${3:-30}"
echo "loadavg after: $(cat /proc/loadavg)"
