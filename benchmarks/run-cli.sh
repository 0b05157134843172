#!/usr/bin/env bash
# The command line, row by row (issue 14): each operation through `bin/lmctfy` (the native client) with a
# running lmctfyd, beside the same operation through the Java CLI against the same daemon (bin/lmctfy-jvm,
# a JVM per command: the path before the native client), and crun and runc on an OCI bundle with the same
# limits when they are installed and this host lets them. Wall time per command line as a shell runs it
# (c/cli_timer.c: fork, exec, wait), medians of RUNS runs (default 201; JVM_RUNS, default 7, for the JVM).
# The in-process API's own time for the same operations: run-create-destroy.sh, run-stats.sh, run-run.sh.
# Root; cgroups under a fresh lmctfy-bench-<pid> root, removed at the end.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root
runs=${RUNS:-201}
jvm_runs=${JVM_RUNS:-7}
dist="$top/distribution/target/lmctfy-0.2.0-SNAPSHOT"
[ -x "$dist/bin/lmctfy" ] || (cd "$top" && mvn -B -q -DskipTests package -pl distribution -am)
mkdir -p "$here/target"
cc -O2 -Wall -Wextra -Werror -o "$here/target/cli_timer" "$here/c/cli_timer.c"
timer="$here/target/cli_timer"
work=$(mktemp -d /tmp/lmctfy-cli.XXXXXX)
# The daemon's state on tmpfs, as its default /run/lmctfy is on most machines (and as CliRows' is).
state="$work/state"
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then state=$(mktemp -d /dev/shm/lmctfy-cli-state.XXXXXX); fi
root="/lmctfy-bench-$$"
cgroot="lmctfy-bench-$$-cg"
sock="$work/lmctfy.sock"
daemon=
api_pid=
cleanup() {
  set +e # best effort, every step: a step's failure (a runtime that was never set up) must not skip the rest
  if [ -n "$api_pid" ]; then
    exec {api_in}>&- 2>/dev/null # CliRows removes its containers at the end of its input
    wait "$api_pid" 2>/dev/null
  fi
  if [ -n "$daemon" ]; then
    "$dist/bin/lmctfy" --socket "$sock" destroy -f /e >/dev/null 2>&1 || true
    kill -TERM "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true
  fi
  for b in "$work"/bundle-*; do
    [ -d "$b" ] || continue
    for rt in crun runc; do command -v $rt >/dev/null && $rt delete -f "lmctfy-bench-$$-$(basename "$b")" >/dev/null 2>&1; done
  done
  # The root in every hierarchy (the daemon's init made it; every container is gone).
  awk '$9=="cgroup" || $9=="cgroup2" {print $5}' /proc/self/mountinfo | while read -r m; do
    [ -d "$m$root" ] && find "$m$root" -depth -type d -exec rmdir {} \; 2>/dev/null
    # libcgroup's tree: its own cgdelete left 400 cgroups in five hierarchies per run (each run's leftovers
    # made the next runs' cpuset and memory operations slower for lmctfy and libcgroup alike).
    [ -d "$m/$cgroot" ] && find "$m/$cgroot" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  rm -rf "$work" "$state"
}
trap cleanup EXIT
export JAVA_OPTS="-Djava.io.tmpdir=$work"
mkdir -p "$state"
"$dist/bin/lmctfy" --embedded --cgroup-root "$root" --state-dir "$state" init "" >/dev/null
"$dist/bin/lmctfyd" --socket "$sock" --cgroup-root "$root" --state-dir "$state" > "$work/d.out" 2> "$work/d.err" &
daemon=$!
for _ in $(seq 600); do grep -q ready "$work/d.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$work/d.out" || { cat "$work/d.err"; exit 1; }

spec='cpu { limit: 500 mask { data: 1 } } memory { limit: 104857600 } blockio {}'
# The seven rows, as cli_timer arguments; $L is the command line under test. row K L N prints row K's name,
# a newline, its median of N.
row() {
  local k=$1 L=$2 n=$3
  case $k in
    0) echo "create (6 cgroups + limits)"; "$timer" "$n" T $L create "/b%i" "$spec" --- U $L destroy "/b%i";;
    1) echo "destroy"; "$timer" "$n" U $L create "/b%i" "$spec" --- T $L destroy "/b%i";;
    2) echo "run /bin/true in an existing container"; "$timer" "$n" T $L run /e /bin/true;;
    3) echo "create + run true + destroy"; "$timer" "$n" T $L create "/c%i" "$spec" --- T $L run "/c%i" /bin/true --- T $L destroy "/c%i";;
    4) echo "stats"; "$timer" "$n" T $L stats summary /e;;
    5) echo "update memory + cpu"; "$timer" "$n" T $L update diff /e "cpu { limit: %i00 } memory { limit: %i04857600 }";;
    6) echo "pause + resume"; "$timer" "$n" T $L pause /e --- T $L resume /e;;
  esac
}
rows() {
  local k
  for k in 0 1 2 3 4 5 6; do row $k "$1" "$2"; done
}
"$dist/bin/lmctfy" --socket "$sock" create /e "$spec" >/dev/null
# Warm the daemon's JIT (a daemon runs for days; its first thousands of commands are not its steady state): every
# row's path, 200 times each, in rounds, until the JIT is quiet, so that no row is measured while it still
# compiles (it shares the two cores with the commands). Quiet: its compiler threads used under 2 % of a round's
# wall time. On this 2-core VM that took 5-10 rounds (~6,000 command lines); after one round, C2 still used a
# third of a core and create + run + destroy measured ~1 ms slower. CliRows warms the API the same way.
jit_ticks() { # CPU of the daemon's compiler threads so far, in clock ticks
  local s=0 t
  for t in /proc/"$daemon"/task/*; do
    case "$(cat "$t/comm" 2>/dev/null)" in "C1 Compiler"*|"C2 Compiler"*) s=$((s + $(awk '{print $14+$15}' "$t/stat" 2>/dev/null || echo 0)));; esac
  done
  echo $s
}
hz=$(getconf CLK_TCK)
warm_rounds=0
for _ in $(seq 30); do
  c0=$(jit_ticks); t0=$(date +%s%N)
  rows "$dist/bin/lmctfy --socket $sock" 200 >/dev/null
  jit_ms=$(( ($(jit_ticks) - c0) * 1000 / hz )); round_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  warm_rounds=$((warm_rounds + 1))
  [ $((jit_ms * 50)) -le "$round_ms" ] && break
done
warmed="daemon warmed by $warm_rounds rounds of every row x200; compiler threads in the last: $jit_ms ms of $round_ms ms"

# The in-process API's own time for the same rows (same spec and controllers, warmed the same way), each row
# measured right after the command line's: this VM's host is busier one minute than the next, and a row's two
# figures are compared (measured one phase after the other, they could come from differently loaded minutes).
[ -f "$here/target/benchmarks.jar" ] || (cd "$top" && mvn -B -q -DskipTests package -pl benchmarks -am)
coproc API { exec java -cp "$here/target/benchmarks.jar" org.lmctfy.benchmarks.CliRows "$spec" "$runs" 200 \
  interleaved 2> "$work/api-warm"; }
api_pid=$API_PID; api_in=${API[1]}; api_out=${API[0]}
read -r -u "$api_out" ready || true
[ "${ready:-}" = ready ] || { cat "$work/api-warm" >&2; exit 1; }
native=; api=
# A second's pause before each: the kernel frees a destroyed cgroup's memory later, in its own threads (RCU),
# and a row that destroyed hundreds must not slow the next one measured.
for k in 0 1 2 3 4 5 6; do
  sleep 1
  native+="$(row $k "$dist/bin/lmctfy --socket $sock" "$runs" | paste - -)"$'\n'
  sleep 1
  echo $k >&"$api_in"
  read -r -u "$api_out" line || { cat "$work/api-warm" >&2; exit 1; }
  api+="$line"$'\n'
done
native=${native%$'\n'}; api=${api%$'\n'}
exec {api_in}>&- # CliRows ends at the end of its input, removing its containers
wait "$api_pid"; api_pid=
jvm=$(rows "$dist/bin/lmctfy-jvm --socket $sock" "$jvm_runs" | paste - -)

# OCI runtimes: a bundle running /bin/sleep with the host's root read-only and the same limits.
peer() { # peer RUNTIME: prints the rows, or why it cannot
  local rt=$1 b="$work/bundle-$1" id="lmctfy-bench-$$-bundle-$1"
  mkdir -p "$b" && (cd "$b" && $rt spec >/dev/null 2>&1) || { echo "$rt: cannot write a spec"; return; }
  python3 - "$b/config.json" <<'PY'
import json, sys
p = sys.argv[1]; c = json.load(open(p))
c["root"] = {"path": "/", "readonly": True}
c.pop("hostname", None)
c["process"]["args"] = ["/bin/sleep", "3600"]; c["process"]["terminal"] = False
c["linux"]["resources"] = {"memory": {"limit": 104857600}, "cpu": {"shares": 512, "cpus": "0"},
                           "blockIO": {"weight": 500}}
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] in ("pid", "mount")]
json.dump(c, open(p, "w"))
PY
  if ! why=$($rt create -b "$b" "$id" 2>&1); then echo "$rt refuses on this host: ${why//$'\n'/ }"; return; fi
  $rt start "$id" >/dev/null 2>&1 || true
  echo "create"; "$timer" "$runs" T $rt create -b "$b" "$id-%i" --- U $rt delete -f "$id-%i"
  echo "destroy"; "$timer" "$runs" U $rt create -b "$b" "$id-%i" --- T $rt delete -f "$id-%i"
  echo "run true (exec)"; "$timer" "$runs" T $rt exec "$id" /bin/true
  echo "create + run true + destroy (run)"; sed -i 's#"/bin/sleep", "3600"#"/bin/true"#' "$b/config.json"
  "$timer" "$runs" T $rt run -b "$b" "$id-r%i" --- U $rt delete -f "$id-r%i"
  echo "stats"; "$timer" "$runs" T $rt events --stats "$id"
  echo "update memory + cpu"; "$timer" "$runs" T $rt update --memory 2%i0000000 --cpu-share 5%i "$id"
  echo "pause + resume"; "$timer" "$runs" T $rt pause "$id" --- T $rt resume "$id"
  $rt delete -f "$id" >/dev/null 2>&1 || true
}
peers=""
for rt in crun runc; do
  if command -v $rt >/dev/null; then peers+="$rt ($($rt --version | head -1)):"$'\n'"$(peer $rt 2>&1 | paste - - )"$'\n'; fi
done
# libcgroup's tools (Debian's cgroup-tools) on the same six cgroups and limits, through their v1 interface.
cgpeer() {
  local C=cpu,cpuacct,cpuset,memory,blkio,freezer P="$cgroot"
  local set=(cgset -r cpuset.cpus=0 -r cpuset.mems=0 -r memory.limit_in_bytes=104857600 -r cpu.shares=512)
  cgcreate -g "$C:$P/e" && cgset -r cpuset.cpus=0 -r cpuset.mems=0 "$P" && "${set[@]}" "$P/e" \
    || { echo "libcgroup: cannot make $P"; cgdelete -r -g "$C:$P" 2>/dev/null; return; }
  echo "create (cgcreate + cgset)"; "$timer" "$runs" T cgcreate -g "$C:$P/x%i" --- T "${set[@]}" "$P/x%i" --- U cgdelete -g "$C:$P/x%i"
  echo "destroy (cgdelete)"; "$timer" "$runs" U cgcreate -g "$C:$P/x%i" --- U "${set[@]}" "$P/x%i" --- T cgdelete -g "$C:$P/x%i"
  echo "run true (cgexec)"; "$timer" "$runs" T cgexec -g "$C:$P/e" /bin/true
  echo "create + run true + destroy"; "$timer" "$runs" T cgcreate -g "$C:$P/y%i" --- T "${set[@]}" "$P/y%i" --- T cgexec -g "$C:$P/y%i" /bin/true --- T cgdelete -g "$C:$P/y%i"
  echo "stats (cgget)"; "$timer" "$runs" T cgget -g cpu,cpuacct,memory,blkio,freezer "$P/e"
  echo "update memory + cpu (cgset)"; "$timer" "$runs" T cgset -r memory.limit_in_bytes=%i04857600 -r cpu.shares=%i00 "$P/e"
  echo "pause + resume (cgset freezer.state)"; "$timer" "$runs" T cgset -r freezer.state=FROZEN "$P/e" --- T cgset -r freezer.state=THAWED "$P/e"
  cgdelete -r -g "$C:$P" 2>/dev/null || true
}
if ! command -v cgcreate >/dev/null; then
  peers+="libcgroup: not installed (apt-get install cgroup-tools)"$'\n'
elif [ -z "$(mountpoint_of cpu)" ] || [ -z "$(mountpoint_of freezer)" ]; then
  peers+="libcgroup: rows drive its v1 interface; this host has no v1 cpu/freezer hierarchy"$'\n'
else
  peers+="libcgroup (cgroup-tools $(dpkg-query -W -f="\${Version}" cgroup-tools 2>/dev/null)):"$'\n'"$(cgpeer 2>&1 | paste - -)"$'\n'
fi

echo "median wall time per row, microseconds (${runs} runs; JVM CLI ${jvm_runs}); a row of k command lines includes"
echo "k fork+exec+wait of the client by the timer; 'over' = bin/lmctfy minus the in-process API (issue 14: <= 2000)"
echo "$warmed; the API: $(cat "$work/api-warm")"
paste <(echo "$native") <(echo "$jvm" | cut -f2) <(echo "$api" | cut -f2) | awk -F'\t' \
  '{printf "%-40s bin/lmctfy %7d   in-process API %6d   over %6d   bin/lmctfy-jvm %9d\n", $1, $2, $4, $2 - $4, $3}'
echo "fork+exec+wait of /bin/true by the same timer: $("$timer" "$runs" T /bin/true) us"
echo "$peers"
