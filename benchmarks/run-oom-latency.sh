#!/usr/bin/env bash
# OOM-notification latency (kernel counter change -> listener call), p50/p99/max over N kills. Root only.
# Goal: p99 <= 10 ms.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root
build_jar
java -cp "$here/target/benchmarks.jar" org.lmctfy.benchmarks.OomLatency "${1:-30}"
