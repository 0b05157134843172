#!/usr/bin/env bash
# Create+destroy of one container isolating cpu, memory, cpuset, blkio/io and freezer:
# lmctfy in-process (JMH) against the C floor making the same cgroupfs calls, in one run. Root only.
# Prints both figures and the ratio (goal: <= 1.5).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root

build_jar
compile_floor create_destroy_floor

# The C floor: the same hierarchies and files as the real controllers write on this layout.
root="lmctfy-test-floor-$$"
args=()
cleanup() { for d in "${made[@]}"; do rmdir "$d" 2>/dev/null || true; done; }
made=()
unified=$(unified_mount)
[ -n "$unified" ] || { echo "no cgroup2 mount to track containers"; exit 1; }
trap cleanup EXIT
mkdir "$unified/$root"; made+=("$unified/$root")
args+=("$unified/$root/bench")
v2ctl=$(cat "$unified/cgroup.controllers")
# The writes the real controllers make for the benchmark's spec (cpu limit 500, mask CPU 0, memory
# limit 100 MiB, blockio {}), on whichever cgroup version holds each controller.
add() { # controller, then file=value pairs for v1, then "|", then for v2
  local c=$1; shift
  local v1=() v2=() side=1
  for a in "$@"; do if [ "$a" = "|" ]; then side=2; elif [ $side = 1 ]; then v1+=("$a"); else v2+=("$a"); fi; done
  local mp; mp=$(mountpoint_of "$c")
  if [ -n "$mp" ]; then
    mkdir "$mp/$root"; made=("$mp/$root" "${made[@]}")
    if [ "$c" = cpuset ]; then
      cat "$mp/cpuset.cpus" > "$mp/$root/cpuset.cpus"; cat "$mp/cpuset.mems" > "$mp/$root/cpuset.mems"
    fi
    args+=("$mp/$root/bench" "${v1[@]}" --)
  elif [[ " $v2ctl " == *" $c "* ]]; then
    echo "+$c" > "$unified/$root/cgroup.subtree_control" 2>/dev/null || true
    args+=("$unified/$root/bench" "${v2[@]}" --)  # cgroup2: the container's own cgroup, writes only
  fi
}
add blkio "|"
add io "|"
add cpu cpu.shares=512 "|" cpu.weight=59
add cpuacct "|"
add cpuset cpuset.cpus=0 cpuset.mems=0 "|" cpuset.cpus=0
add freezer "|"
add memory memory.limit_in_bytes=104857600 "|" memory.max=104857600
floor=$("$here/target/create_destroy_floor" 3000 "${args[@]}" 2>"$here/target/floor.err") \
  || { echo "C floor failed: $(cat "$here/target/floor.err")"; exit 1; }
echo "C floor split: $(cat "$here/target/floor.err")"
cleanup; made=(); trap - EXIT

[ "${SKIP_JMH:-0}" = 1 ] && exit 0
java_us=$(java -jar "$here/target/benchmarks.jar" CreateDestroyBenchmark -rf json -rff "$here/target/create-destroy.json" \
  2>&1 | tee "$here/target/create-destroy.log" | awk '/^CreateDestroyBenchmark.createAndDestroy/ {print $(NF-3)}')
echo "C floor (same cgroupfs calls): ${floor} us per create+destroy"
echo "lmctfy in-process (JMH):       ${java_us} us per create+destroy"
awk -v j="$java_us" -v c="$floor" 'BEGIN { printf "ratio lmctfy/floor: %.2f (goal <= 1.5)\n", j / c }'
