#!/usr/bin/env bash
# OOM-notification latency (kernel counter change -> listener call), p50/p99/max over N kills. Root only.
# Goal: p99 <= 10 ms.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "needs root (real cgroups)"; exit 1; }
if [ ! -f "$here/target/benchmarks.jar" ] || [ "${REBUILD:-0}" = 1 ]; then
  (cd "$top" && mvn -B -q -DskipTests package -pl benchmarks -am)
fi
java -cp "$here/target/benchmarks.jar" org.lmctfy.benchmarks.OomLatency "${1:-30}"
