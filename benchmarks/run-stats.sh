#!/usr/bin/env bash
# stats(SUMMARY/FULL) of one container against the C floor reading the same control files, and stats of
# 1,000 containers, in one run. Root only. Goals: one container <= 2x the floor; 1,000 containers < 100 ms.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root
build_jar
compile_floor read_files_floor

# One container like the benchmark's, made by hand, and the files stats(SUMMARY) reads on this layout.
root="lmctfy-test-statsfloor-$$"
made=()
cleanup() { for d in "${made[@]}"; do rmdir "$d" 2>/dev/null || true; done; }
trap cleanup EXIT
unified=$(unified_mount)
files=()
mk() { mkdir -p "$1/$root/c"; made=("$1/$root/c" "$1/$root" "${made[@]}"); }
v2ctl=$(cat "$unified/cgroup.controllers" 2>/dev/null || true)
mk "$unified"
u="$unified/$root/c"
if [ -n "$(mountpoint_of cpu)" ]; then
  mk "$(mountpoint_of cpu)"; mk "$(mountpoint_of cpuacct)"
  a="$(mountpoint_of cpuacct)/$root/c"
  files+=("$(mountpoint_of cpu)/$root/c/cpu.stat" "$a/cpuacct.usage" "$a/cpuacct.usage_percpu" "$a/cpuacct.stat")
else
  echo "+cpu +memory +io" > "$unified/$root/cgroup.subtree_control"
  files+=("$u/cpu.stat")
fi
files+=("$u/cpu.pressure")
if [ -n "$(mountpoint_of memory)" ]; then
  m="$(mountpoint_of memory)/$root/c"; mk "$(mountpoint_of memory)"
  for f in memory.stat memory.usage_in_bytes memory.limit_in_bytes memory.soft_limit_in_bytes \
           memory.max_usage_in_bytes memory.failcnt memory.oom_control; do files+=("$m/$f"); done
else
  for f in memory.stat memory.current memory.max memory.low memory.peak memory.events; do files+=("$u/$f"); done
fi
files+=("$u/memory.pressure")
if [ -n "$(mountpoint_of blkio)" ]; then
  b="$(mountpoint_of blkio)/$root/c"; mk "$(mountpoint_of blkio)"
  files+=("$b/blkio.throttle.io_service_bytes_recursive" "$b/blkio.throttle.io_serviced_recursive")
else
  files+=("$u/io.stat")
fi
files+=("$u/io.pressure")
if [ -n "$(mountpoint_of freezer)" ]; then
  mk "$(mountpoint_of freezer)"; files+=("$(mountpoint_of freezer)/$root/c/freezer.state")
else
  files+=("$u/cgroup.freeze" "$u/cgroup.events")
fi
floor=$("$here/target/read_files_floor" 20000 "${files[@]}")
cleanup; made=(); trap - EXIT

java -jar "$here/target/benchmarks.jar" StatsBenchmark -rf json -rff "$here/target/stats.json" \
  > "$here/target/stats.log" 2>&1
summary=$(awk '/^StatsBenchmark.statsSummary / {print $(NF-3)}' "$here/target/stats.log")
full=$(awk '/^StatsBenchmark.statsFull / {print $(NF-3)}' "$here/target/stats.log")
all=$(awk '/^StatsBenchmark.statsSummaryOfAll / {print $(NF-3)}' "$here/target/stats.log")
echo "C floor (${#files[@]} files read): ${floor} us"
echo "stats(SUMMARY): ${summary} us   ratio $(awk -v j="$summary" -v c="$floor" 'BEGIN{printf "%.2f", j/c}') (goal <= 2)"
echo "stats(FULL):    ${full} us   ratio $(awk -v j="$full" -v c="$floor" 'BEGIN{printf "%.2f", j/c}') (goal <= 2)"
echo "stats(SUMMARY) of 1000 containers: ${all} ms (goal < 100)"
