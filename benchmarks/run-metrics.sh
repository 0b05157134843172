#!/usr/bin/env bash
# A Prometheus scrape of 1,000 containers (HTTP on the loopback, text format) against reading their stats through
# the API, on the real kernel. Root only. Goal: scrape <= 2x stats(FULL) of every container (the stats a scrape
# reads). The contenders alternate within each round (ScrapeCost), so a shared machine's load weighs on all
# alike; JMH=1 runs the JMH benchmark (ScrapeBenchmark) instead, one contender after the other.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root
build_jar
if [ "${JMH:-0}" = 1 ]; then
  java -jar "$here/target/benchmarks.jar" ScrapeBenchmark -rf json -rff "$here/target/metrics.json" \
    | tee "$here/target/metrics.log" | grep -E '^(Benchmark|ScrapeBenchmark)'
else
  java -cp "$here/target/benchmarks.jar" org.lmctfy.metrics.ScrapeCost "${1:-1000}" "${2:-15}"
fi
