#!/usr/bin/env bash
# run(/bin/true) spawn + wait in a container isolating cpu and memory, against the C floor (fork, write the
# pid into the same cgroups, exec, wait), in one run. Root only. Goal: <= 2x.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root
build_jar
compile_floor run_floor
root="lmctfy-test-runfloor-$$"
made=()
cleanup() { for d in "${made[@]}"; do rmdir "$d" 2>/dev/null || true; done; }
trap cleanup EXIT
unified=$(unified_mount)
dirs=()
mk() { mkdir -p "$1/$root/c"; made=("$1/$root/c" "$1/$root" "${made[@]}"); dirs+=("$1/$root/c"); }
mk "$unified"
for c in cpu cpuacct memory; do mp=$(mountpoint_of $c); [ -n "$mp" ] && mk "$mp"; done
floor=$("$here/target/run_floor" 2000 /bin/true "${dirs[@]}")
cleanup; made=(); trap - EXIT
java -jar "$here/target/benchmarks.jar" RunBenchmark -rf json -rff "$here/target/run.json" > "$here/target/run.log" 2>&1
jus=$(awk '/^RunBenchmark.runTrue / {print $(NF-3)}' "$here/target/run.log")
echo "C floor (fork, join ${#dirs[@]} cgroups, exec, wait): ${floor} us"
echo "lmctfy run(/bin/true) + wait: ${jus} us   ratio $(awk -v j="$jus" -v c="$floor" 'BEGIN{printf "%.2f", j/c}') (goal <= 2)"
