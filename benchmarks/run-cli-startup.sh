#!/usr/bin/env bash
# Wall time of one `lmctfy-jvm list containers /` (the Java CLI, a cold JVM each time; bin/lmctfy is native: run-cli.sh): through a running lmctfyd, and
# embedded (the CLI boots Felix, SCR and the bundles itself), against a Java hello world on the same JVM
# flags. Medians of RUNS runs (default 15), measured in one go. Root (the daemon's socket, cgroups read).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root
runs=${RUNS:-15}
dist="$top/distribution/target/lmctfy-0.2.0-SNAPSHOT"
[ -x "$dist/bin/lmctfy" ] || (cd "$top" && mvn -B -q -DskipTests install)
work=$(mktemp -d /tmp/lmctfy-startup.XXXXXX)
daemon=
# (Not an &&-list: wait returns the daemon's 143, which under set -e would end the trap before rm.)
cleanup() {
  if [ -n "$daemon" ]; then kill -TERM "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/state"
cat > "$work/Hello.java" <<'JAVA'
public class Hello { public static void main(String[] a) { System.out.println("hello"); } }
JAVA
javac -d "$work" "$work/Hello.java"
flags=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto)

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
timed() { # prints seconds of one run of "$@"
  local s e; s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); echo "$e - $s" | bc
}
measure() { for _ in $(seq "$runs"); do timed "$@"; done | median; }

hello=$(measure java "${flags[@]}" -cp "$work" Hello)
export JAVA_OPTS="-Djava.io.tmpdir=$work" # the framework's caches go with $work
embedded=$(measure "$dist/bin/lmctfy-jvm" --embedded --state-dir "$work/state" list containers /)
"$dist/bin/lmctfyd" --socket "$work/lmctfy.sock" --state-dir "$work/state" > "$work/d.out" 2> "$work/d.err" &
daemon=$!
for _ in $(seq 600); do grep -q ready "$work/d.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$work/d.out" || { cat "$work/d.err"; exit 1; }
viad=$(measure "$dist/bin/lmctfy-jvm" --socket "$work/lmctfy.sock" list containers /)
printf 'java hello world:            %.3f s\n' "$hello"
printf 'lmctfy list, via lmctfyd:    %.3f s  (%.1fx hello world)\n' "$viad" "$(echo "$viad / $hello" | bc -l)"
printf 'lmctfy list, embedded:       %.3f s  (%.1fx hello world)\n' "$embedded" "$(echo "$embedded / $hello" | bc -l)"
