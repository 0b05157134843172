package org.lmctfy.controller.memory;

import java.nio.file.Path;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ContainerStats;
import org.lmctfy.api.proto.MemorySpec;
import org.lmctfy.api.proto.MemoryStats;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.EventProbe;
import org.lmctfy.spi.EventSourceCapability;
import org.lmctfy.spi.StatsCapability;
import org.lmctfy.api.proto.EventSpec;
import java.util.Optional;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.ControllerHandler;
import org.lmctfy.spi.cgroup.Hierarchy;
import org.lmctfy.spi.cgroup.KeyValues;
import org.lmctfy.spi.cgroup.Pressure;

/**
 * The memory resource's kernel files (Documentation/admin-guide/cgroup-v1/memory.rst,
 * cgroup-v2.rst "Memory"). Unlimited is -1 in the API, "-1" in v1 and "max" in cgroup2; v2 swap is
 * {@code swap_limit - limit} since lmctfy's swap_limit counts memory + swap (memsw).
 */
final class MemoryHandler extends ControllerHandler implements StatsCapability, EventSourceCapability {
  // v1
  static final String LIMIT = "memory.limit_in_bytes";
  static final String SOFT_LIMIT = "memory.soft_limit_in_bytes";
  static final String MEMSW_LIMIT = "memory.memsw.limit_in_bytes";
  static final String USAGE = "memory.usage_in_bytes";
  static final String MAX_USAGE = "memory.max_usage_in_bytes";
  static final String MEMSW_USAGE = "memory.memsw.usage_in_bytes";
  static final String FAILCNT = "memory.failcnt";
  static final String OOM_CONTROL = "memory.oom_control";
  // cgroup2
  static final String MAX = "memory.max";
  static final String HIGH = "memory.high";
  static final String LOW = "memory.low";
  static final String SWAP_MAX = "memory.swap.max";
  static final String CURRENT = "memory.current";
  static final String PEAK = "memory.peak";
  static final String SWAP_CURRENT = "memory.swap.current";
  static final String EVENTS = "memory.events";
  // both
  static final String STAT = "memory.stat";
  static final String PRESSURE = "memory.pressure";
  /** v1 reports "unlimited" as PAGE_COUNTER_MAX pages in bytes, near 2^63. */
  static final long V1_UNLIMITED_THRESHOLD = 1L << 62;

  MemoryHandler(ContainerContext container, Hierarchy hierarchy, List<Path> dirs) {
    super(container, hierarchy, dirs);
  }

  @Override
  public String resource() {
    return "memory";
  }

  private static boolean unlimited(long v) {
    return v == -1 || v == Long.MAX_VALUE;
  }

  private String v2Value(long v) {
    return unlimited(v) ? "max" : Long.toString(v);
  }

  /** A write whose missing file means the kernel lacks the feature the field needs. */
  private void writeField(String field, String file, String value) throws ContainerException {
    try {
      ControlFiles.write(dir, file, value);
    } catch (ContainerException e) {
      if (e.code() == StatusCode.NOT_FOUND && !ControlFiles.exists(dir, file)) {
        throw new ContainerException(StatusCode.FAILED_PRECONDITION, "memory." + field + " needs " + file
            + ", which this kernel lacks" + (file.contains("sw") ? " (swap accounting off: swapaccount=0 or no"
            + " CONFIG_MEMCG_SWAP)" : ""));
      }
      throw e;
    }
  }

  @Override
  public void update(ContainerSpec spec, UpdatePolicy policy) throws ContainerException {
    MemorySpec m = spec.getMemory();
    boolean replace = policy == UpdatePolicy.REPLACE;
    Long limit = field(m.hasLimit(), m.getLimit(), replace, -1);
    Long reservation = field(m.hasReservation(), m.getReservation(), replace, 0);
    Long swap = field(m.hasSwapLimit(), m.getSwapLimit(), replace, -1);
    if (v2) {
      Long max = field(m.hasMaxLimit(), m.getMaxLimit(), replace, -1);
      if (max == null && limit != null && !ControlFiles.readLine(dir, HIGH).equals("max")) {
        writeField("limit", HIGH, v2Value(limit)); // DIFF of limit while a max_limit is in force
      } else if (limit != null || max != null) {
        long hardMax = max != null && !unlimited(max) ? max : limit != null ? limit : -1;
        // With max_limit, limit throttles (memory.high) and max_limit is the OOM line (memory.max).
        long high = max != null && !unlimited(max) ? (limit == null ? -1 : limit) : -1;
        writeField("limit", MAX, v2Value(hardMax));
        writeField("limit", HIGH, v2Value(high));
      }
      if (reservation != null) {
        writeField("reservation", LOW, reservation < 0 ? "0" : Long.toString(reservation));
      }
      if (swap != null && (m.hasSwapLimit() || ControlFiles.exists(dir, SWAP_MAX))) {
        long memory = limit != null ? limit : readLimitV2();
        writeField("swap_limit", SWAP_MAX, unlimited(swap) || unlimited(memory) ? "max"
            : Long.toString(Math.max(0, swap - memory)));
      }
      return;
    }
    // v1: memsw.limit must stay >= limit at every step, so the write order depends on the direction.
    boolean memswPresent = ControlFiles.exists(dir, MEMSW_LIMIT);
    boolean writeSwap = swap != null && (m.hasSwapLimit() || memswPresent);
    if (writeSwap && limit != null && growsPast(limit)) {
      writeField("swap_limit", MEMSW_LIMIT, Long.toString(unlimited(swap) ? -1 : swap));
      writeSwap = false;
    }
    if (limit != null) {
      writeField("limit", LIMIT, Long.toString(unlimited(limit) ? -1 : limit));
    }
    if (writeSwap) {
      writeField("swap_limit", MEMSW_LIMIT, Long.toString(unlimited(swap) ? -1 : swap));
    }
    if (reservation != null) {
      writeField("reservation", SOFT_LIMIT, Long.toString(reservation));
    }
  }

  /** The value to write: the spec's, the default on REPLACE, or null (leave the kernel's) on DIFF. */
  private static Long field(boolean set, long value, boolean replace, long defaultValue) {
    if (set) {
      return value;
    }
    return replace ? Long.valueOf(defaultValue) : null;
  }

  /** Whether raising the limit to {@code limit} would pass the current memsw limit. */
  private boolean growsPast(long limit) throws ContainerException {
    if (!ControlFiles.exists(dir, MEMSW_LIMIT)) {
      return false;
    }
    long memsw = ControlFiles.readLong(dir, MEMSW_LIMIT);
    return unlimited(limit) || limit > memsw;
  }

  private long readLimitV2() throws ContainerException {
    String s = ControlFiles.readLine(dir, MAX);
    return s.equals("max") ? -1 : Long.parseLong(s);
  }

  private static long v1Bytes(long v) {
    return v >= V1_UNLIMITED_THRESHOLD ? -1 : v;
  }

  private static long v2Bytes(String s) {
    return s.equals("max") ? -1 : Long.parseLong(s);
  }

  @Override
  public void fillSpec(ContainerSpec.Builder spec) throws ContainerException {
    MemorySpec.Builder m = spec.getMemoryBuilder();
    if (v2) {
      long max = v2Bytes(ControlFiles.readLine(dir, MAX));
      long high = v2Bytes(ControlFiles.readLine(dir, HIGH));
      if (high != -1) {
        m.setLimit(high).setMaxLimit(max);
      } else {
        m.setLimit(max);
      }
      m.setReservation(v2Bytes(ControlFiles.readLine(dir, LOW)));
      if (ControlFiles.exists(dir, SWAP_MAX)) {
        long swap = v2Bytes(ControlFiles.readLine(dir, SWAP_MAX));
        long memory = max;
        m.setSwapLimit(swap == -1 || memory == -1 ? -1 : memory + swap);
      }
    } else {
      m.setLimit(v1Bytes(ControlFiles.readLong(dir, LIMIT)));
      m.setReservation(v1Bytes(ControlFiles.readLong(dir, SOFT_LIMIT)));
      if (ControlFiles.exists(dir, MEMSW_LIMIT)) {
        m.setSwapLimit(v1Bytes(ControlFiles.readLong(dir, MEMSW_LIMIT)));
      }
    }
  }

  @Override
  public void fillStats(StatsType type, ContainerStats.Builder stats) throws ContainerException {
    MemoryStats.Builder out = stats.getMemoryBuilder();
    KeyValues stat = KeyValues.parse(ControlFiles.read(dir, STAT));
    long usage;
    if (v2) {
      usage = ControlFiles.readLong(dir, CURRENT);
      out.setLimit(v2Bytes(ControlFiles.readLine(dir, MAX)));
      out.setReservation(v2Bytes(ControlFiles.readLine(dir, LOW)));
      if (ControlFiles.exists(dir, PEAK)) {
        out.setMaxUsage(ControlFiles.readLong(dir, PEAK));
      }
      KeyValues events = KeyValues.parse(ControlFiles.read(dir, EVENTS));
      // OOM on v2 is oom_kill (a process killed), not oom (the limit hit).
      out.setOomKillCount(events.get("oom_kill")).setFailCount(events.get("max"));
      if (ControlFiles.exists(dir, SWAP_CURRENT)) {
        out.setSwapUsage(ControlFiles.readLong(dir, SWAP_CURRENT));
        long swapMax = v2Bytes(ControlFiles.readLine(dir, SWAP_MAX));
        out.setSwapLimit(swapMax == -1 || out.getLimit() == -1 ? -1 : swapMax + out.getLimit());
      }
      MemoryStats.MemoryData data = V2Data.from(stat);
      // cgroup2's memory.stat covers the subtree: it is both lmctfy's container and hierarchical data.
      out.setContainerData(data).setHierarchicalData(data);
    } else {
      usage = ControlFiles.readLong(dir, USAGE);
      out.setLimit(v1Bytes(ControlFiles.readLong(dir, LIMIT)));
      out.setReservation(v1Bytes(ControlFiles.readLong(dir, SOFT_LIMIT)));
      out.setMaxUsage(ControlFiles.readLong(dir, MAX_USAGE));
      out.setFailCount(ControlFiles.readLong(dir, FAILCNT));
      out.setOomKillCount(KeyValues.parse(ControlFiles.read(dir, OOM_CONTROL)).get("oom_kill"));
      if (stat.has("hierarchical_memory_limit")) {
        long h = v1Bytes(stat.get("hierarchical_memory_limit"));
        out.setHierarchicalMemoryLimit(h).setEffectiveLimit(h);
      }
      if (ControlFiles.exists(dir, MEMSW_LIMIT)) {
        out.setSwapLimit(v1Bytes(ControlFiles.readLong(dir, MEMSW_LIMIT)));
        out.setSwapUsage(Math.max(0, ControlFiles.readLong(dir, MEMSW_USAGE) - usage));
      }
      out.setContainerData(V1Data.from(stat, ""));
      out.setHierarchicalData(V1Data.from(stat, "total_"));
    }
    out.setUsage(usage);
    // Working set: usage minus the inactive file cache of the same cgroup (ARCHITECTURE.md § cgroup v1 and v2).
    out.setWorkingSet(Math.max(0, usage - stat.get(v2 ? "inactive_file" : "total_inactive_file")));
    Pressure.read(unifiedDir(), PRESSURE).ifPresent(out::setPressure);
  }

  @Override
  public Optional<EventProbe> probe(EventSpec spec) throws ContainerException {
    if (spec.hasOom()) {
      return Optional.of(MemoryEvents.oom(dir, v2));
    }
    if (spec.hasMemoryThreshold()) {
      if (!spec.getMemoryThreshold().hasUsage() || spec.getMemoryThreshold().getUsage() <= 0) {
        throw ContainerException.invalidArgument("memory_threshold needs a usage in bytes > 0");
      }
      return Optional.of(MemoryEvents.threshold(dir, v2, spec.getMemoryThreshold().getUsage()));
    }
    return Optional.empty();
  }
}
