# Shared by the benchmark scripts (sourced, not run): paths, root check, build, C floors, cgroup mounts.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)

require_root() {
  [ "$(id -u)" = 0 ] || { echo "needs root (real cgroups)"; exit 1; }
}

# benchmarks/target/benchmarks.jar, built when missing or when REBUILD=1.
build_jar() {
  if [ ! -f "$here/target/benchmarks.jar" ] || [ "${REBUILD:-0}" = 1 ]; then
    (cd "$top" && mvn -B -q -DskipTests package -pl benchmarks -am)
  fi
  mkdir -p "$here/target"
}

# compile_floor NAME: c/NAME.c -> target/NAME, warnings as errors.
compile_floor() {
  cc -O2 -Wall -Wextra -Werror -o "$here/target/$1" "$here/c/$1.c"
}

# The mount point of a v1 controller's hierarchy, or nothing.
mountpoint_of() {
  awk -v c="$1" '$9=="cgroup" && $NF ~ "(^|,)"c"(,|$)" {print $5; exit}' /proc/self/mountinfo
}

# The cgroup2 mount point, or nothing.
unified_mount() {
  awk '$9=="cgroup2" {print $5; exit}' /proc/self/mountinfo
}
