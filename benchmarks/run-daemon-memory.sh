#!/usr/bin/env bash
# lmctfyd's resident memory (VmRSS) idle, with N live containers (default 10000, each isolating cpu and
# memory), after spec+stats of all, and after destroying them, through the real daemon of the built
# distribution under a unique cgroup root. Goal: <= 128 MiB with 10,000 live containers. Root only.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root
n=${1:-10000}
dist="$top/distribution/target/lmctfy-0.2.0-SNAPSHOT"
[ -x "$dist/bin/lmctfyd" ] || (cd "$top" && mvn -B -q -DskipTests install)
root="/lmctfy-test-mem-$$"
state=$(mktemp -d /dev/shm/lmctfy-test-state-mem.XXXXXX)
sock="$state/lmctfy.sock"
"$dist/bin/lmctfy" --embedded --cgroup-root "$root" --state-dir "$state" init "" >/dev/null
"$dist/bin/lmctfyd" --socket "$sock" --cgroup-root "$root" --state-dir "$state" >"$state/daemon.log" 2>&1 &
daemon=$!
cleanup() {
  kill -TERM "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true
  for m in $(awk '$9 ~ /^cgroup2?$/ {print $5}' /proc/self/mountinfo); do
    [ -d "$m$root" ] && find "$m$root" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  rm -rf "$state"
}
trap cleanup EXIT
for _ in $(seq 600); do grep -q "^lmctfyd ready on " "$state/daemon.log" 2>/dev/null && break; sleep 0.1; done
grep -q "^lmctfyd ready on " "$state/daemon.log" || { echo "lmctfyd did not get ready:"; cat "$state/daemon.log"; exit 1; }
echo "lmctfyd $(tr '\0' ' ' < /proc/$daemon/cmdline | cut -c1-300)"
timeout 1800 java -cp "$dist/lib/*" "$here/java/DaemonMemory.java" "$sock" "$daemon" "$n"
