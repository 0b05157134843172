#!/usr/bin/env bash
# run(/bin/true) spawn + wait in a container isolating cpu and memory, against the C floor (fork, write the
# pid into the same cgroups, exec, wait), in one run. Root only. Goal: <= 2x.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "needs root (real cgroups)"; exit 1; }
if [ ! -f "$here/target/benchmarks.jar" ] || [ "${REBUILD:-0}" = 1 ]; then
  (cd "$top" && mvn -B -q -DskipTests package -pl benchmarks -am)
fi
mkdir -p "$here/target"
cc -O2 -Wall -Wextra -Werror -o "$here/target/run_floor" "$here/c/run_floor.c"
root="lmctfy-test-runfloor-$$"
made=()
cleanup() { for d in "${made[@]}"; do rmdir "$d" 2>/dev/null || true; done; }
trap cleanup EXIT
mountpoint_of() { awk -v c="$1" '$9=="cgroup" && $NF ~ "(^|,)"c"(,|$)" {print $5; exit}' /proc/self/mountinfo; }
unified=$(awk '$9=="cgroup2" {print $5; exit}' /proc/self/mountinfo)
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
