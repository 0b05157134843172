#!/usr/bin/env bash
# A virtual host's life: create (init in new pid, ipc, mnt namespaces, fresh /proc) + run /bin/true + wait +
# destroy, through the API (JMH), against the C floor making the same system calls (c/vhost_floor.c), and
# against `crun run` of an OCI bundle with the same namespaces when crun is installed. Root only.
# Goal: <= 2x the floor, several times faster than crun.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root
build_jar
compile_floor vhost_floor
root="lmctfy-test-vhfloor-$$"
unified=$(unified_mount)
[ -n "$unified" ] || { echo "no cgroup2 mount"; exit 1; }
mkdir "$unified/$root"
trap 'rmdir "$unified/$root/vh" "$unified/$root" 2>/dev/null || true' EXIT
floor=$("$here/target/vhost_floor" 500 /bin/true "$unified/$root")
rmdir "$unified/$root"; trap - EXIT

crun_us=""
if command -v crun >/dev/null; then
  b=$(mktemp -d /tmp/lmctfy-crun-bundle.XXXXXX)
  trap 'rm -rf "$b"' EXIT
  mkdir -p "$b/rootfs"
  # The host's root read-only as the container's: the same /bin/true, no image to unpack.
  (cd "$b" && crun spec >/dev/null)
  python3 - "$b/config.json" <<'PY'
import json, sys
p = sys.argv[1]; c = json.load(open(p))
c["root"] = {"path": "/", "readonly": True}
c["process"]["args"] = ["/bin/true"]; c["process"]["terminal"] = False
c["linux"]["namespaces"] = [{"type": t} for t in ("pid", "ipc", "mount")]
c["mounts"] = [m for m in c["mounts"] if m["destination"] == "/proc"]
c["linux"].pop("maskedPaths", None); c["linux"].pop("readonlyPaths", None)
json.dump(c, open(p, "w"))
PY
  n=100
  if why=$(crun --cgroup-manager=disabled run -b "$b" "lmctfy-bench-$$-0" 2>&1 >/dev/null); then
    t0=$(date +%s%N)
    for i in $(seq $n); do crun --cgroup-manager=disabled run -b "$b" "lmctfy-bench-$$-$i" >/dev/null; done
    t1=$(date +%s%N)
    crun_us=$(( (t1 - t0) / 1000 / n ))
  else
    echo "crun cannot run on this machine: $why"
  fi
fi

java -jar "$here/target/benchmarks.jar" VirtualHostBenchmark -rf json -rff "$here/target/vhost.json" \
  > "$here/target/vhost.log" 2>&1
jus=$(awk '/^VirtualHostBenchmark.createRunDestroy / {print $(NF-3)}' "$here/target/vhost.log")
echo "C floor (mkdir, clone init + mount /proc, setns x3 + fork + exec + wait, kill, rmdir): ${floor} us"
[ -n "$crun_us" ] && echo "crun run (pid, ipc, mount namespaces, host root read-only, no cgroup manager): ${crun_us} us"
echo "lmctfy create + run(/bin/true) + wait + destroy: ${jus} us   ratio $(awk -v j="$jus" -v c="$floor" 'BEGIN{printf "%.2f", j/c}') (goal <= 2)"
