#!/usr/bin/env bash
# A virtual host's life: create (init in new pid, ipc, mnt namespaces, fresh /proc) + run /bin/true + wait +
# destroy, through the API (JMH), against the C floor making the same system calls (c/vhost_floor.c), and
# against `crun run` of an OCI bundle with the same namespaces when crun is installed. Root only.
# Goal: <= 2x the floor, several times faster than crun.
# Then a small machine (issue 13): the same with uts and network namespaces (loopback up) and a busybox root
# filesystem (pivot_root, /proc, /dev, /sys), against c/vhost_floor.c given the rootfs and `crun run` of the same bundle.
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

# crun_runs BUNDLE ID: microseconds per `crun run` of BUNDLE (100 runs, after one that must succeed), or
# nothing, saying on stderr why crun cannot run here.
crun_runs() {
  local n=100 why t0 t1
  if ! why=$(crun --cgroup-manager=disabled run -b "$1" "$2-0" 2>&1 >/dev/null); then
    echo "crun cannot run on this machine: $why" >&2
    return 0
  fi
  t0=$(date +%s%N)
  for i in $(seq $n); do crun --cgroup-manager=disabled run -b "$1" "$2-$i" >/dev/null; done
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000 / n ))
}

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
  crun_us=$(crun_runs "$b" "lmctfy-bench-$$")
fi

java -jar "$here/target/benchmarks.jar" VirtualHostBenchmark -rf json -rff "$here/target/vhost.json" \
  > "$here/target/vhost.log" 2>&1
jus=$(awk '/^VirtualHostBenchmark.createRunDestroy / {print $(NF-3)}' "$here/target/vhost.log")
echo "C floor (mkdir, clone init + mount /proc, setns x3 + fork + exec + wait, kill, rmdir): ${floor} us"
[ -n "$crun_us" ] && echo "crun run (pid, ipc, mount namespaces, host root read-only, no cgroup manager): ${crun_us} us"
echo "lmctfy create + run(/bin/true) + wait + destroy: ${jus} us   ratio $(awk -v j="$jus" -v c="$floor" 'BEGIN{printf "%.2f", j/c}') (goal <= 2)"

# --- A small machine: pid, ipc, mnt, uts, net namespaces and a busybox rootfs.
busybox=$(command -v busybox || true)
if [ -z "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
  echo "machine: needs a static busybox (Debian's busybox-static): skipped"
  exit 0
fi
m=$(mktemp -d /tmp/lmctfy-machine.XXXXXX)
trap 'rmdir "$unified/$root/vh" "$unified/$root" 2>/dev/null || true; rm -rf "$m" "${b:-}"' EXIT
mkdir -p "$m/rootfs/bin" "$m/rootfs/proc" "$m/rootfs/dev" "$m/rootfs/sys" "$m/rootfs/etc"
cp "$busybox" "$m/rootfs/bin/busybox"
for a in sh true ls; do ln -s busybox "$m/rootfs/bin/$a"; done
# the same floor program, with the rootfs argument
mkdir "$unified/$root"
mfloor=$("$here/target/vhost_floor" 300 /bin/true "$unified/$root" "$m/rootfs")
rmdir "$unified/$root"

mcrun_us=""
if command -v crun >/dev/null; then
  mkdir -p "$m/bundle"
  (cd "$m/bundle" && crun spec >/dev/null)
  python3 - "$m/bundle/config.json" "$m/rootfs" <<'PY'
import json, sys
p, rootfs = sys.argv[1], sys.argv[2]; c = json.load(open(p))
c["root"] = {"path": rootfs, "readonly": False}
c["hostname"] = "machine"
c["process"]["args"] = ["/bin/true"]; c["process"]["terminal"] = False
c["linux"]["namespaces"] = [{"type": t} for t in ("pid", "ipc", "mount", "uts", "network")]
# runc's defaults as lmctfy sets them up: proc, a tmpfs /dev (devpts, shm, mqueue), read-only sysfs.
c["mounts"] = [m for m in c["mounts"] if m["destination"] in ("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys")]
c["linux"].pop("maskedPaths", None); c["linux"].pop("readonlyPaths", None)
json.dump(c, open(p, "w"))
PY
  mcrun_us=$(crun_runs "$m/bundle" "lmctfy-machine-$$")
fi

java -jar "$here/target/benchmarks.jar" VirtualHostBenchmark -p rootfs="$m/rootfs" -rf json \
  -rff "$here/target/vmachine.json" > "$here/target/vmachine.log" 2>&1
mjus=$(awk '/^VirtualHostBenchmark.createRunDestroy / {print $(NF-3)}' "$here/target/vmachine.log")
echo "machine C floor (clone with 5 namespaces, hostname, lo up, rootfs with proc/dev/sys + pivot_root, setns x5 + fork + exec + wait, kill, rmdir): ${mfloor} us"
[ -n "$mcrun_us" ] && echo "machine crun run (same namespaces, same busybox rootfs and mounts, no cgroup manager): ${mcrun_us} us"
echo "machine lmctfy create + run(/bin/true) + wait + destroy: ${mjus} us   ratio $(awk -v j="$mjus" -v c="$mfloor" 'BEGIN{printf "%.2f", j/c}') (goal <= 2)"
