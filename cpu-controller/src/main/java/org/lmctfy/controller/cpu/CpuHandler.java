package org.lmctfy.controller.cpu;

import java.nio.file.Path;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ContainerStats;
import org.lmctfy.api.proto.CpuSpec;
import org.lmctfy.api.proto.CpuStats;
import org.lmctfy.api.proto.SchedulingLatency;
import org.lmctfy.api.proto.ThrottlingData;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.StatsCapability;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.ControllerHandler;
import org.lmctfy.spi.cgroup.Hierarchy;
import org.lmctfy.spi.cgroup.KeyValues;
import org.lmctfy.spi.cgroup.Pressure;

/** The cpu resource's kernel files, v1 and cgroup2 (Documentation/admin-guide/cgroup-v2.rst, "CPU"). */
final class CpuHandler extends ControllerHandler implements StatsCapability {
  // v1 (Documentation/scheduler/sched-bwc.rst, cgroup-v1/cpuacct.rst)
  static final String SHARES = "cpu.shares";
  static final String PERIOD = "cpu.cfs_period_us";
  static final String QUOTA = "cpu.cfs_quota_us";
  static final String USAGE = "cpuacct.usage";
  static final String USAGE_PERCPU = "cpuacct.usage_percpu";
  static final String ACCT_STAT = "cpuacct.stat";
  // cgroup2
  static final String WEIGHT = "cpu.weight";
  static final String MAX = "cpu.max";
  // both
  static final String STAT = "cpu.stat";
  static final String IDLE = "cpu.idle";
  static final String PRESSURE = "cpu.pressure";
  /** USER_HZ: cpuacct.stat counts in clock ticks of 10 ms. */
  static final long NANOS_PER_TICK = 10_000_000L;

  CpuHandler(ContainerContext container, Hierarchy hierarchy, List<Path> dirs) {
    super(container, hierarchy, dirs);
  }

  @Override
  public String resource() {
    return "cpu";
  }

  /** The cpuacct directory (v1: the cpuacct hierarchy's, which may be the cpu one). */
  private Path acctDir() {
    return dirs.get(dirs.size() - 1);
  }

  @Override
  public void update(ContainerSpec spec, UpdatePolicy policy) throws ContainerException {
    CpuSpec cpu = spec.getCpu();
    boolean replace = policy == UpdatePolicy.REPLACE;
    if (cpu.hasLimit() || replace) {
      long shares = cpu.hasLimit() ? CpuConversions.milliCpusToShares(cpu.getLimit()) : 1024;
      if (v2) {
        ControlFiles.write(dir, WEIGHT, CpuConversions.sharesToWeight(shares));
      } else {
        ControlFiles.write(dir, SHARES, shares);
      }
    }
    if (cpu.hasMaxLimit() || replace) {
      long quota = cpu.hasMaxLimit() ? CpuConversions.milliCpusToQuotaUs(cpu.getMaxLimit()) : -1;
      if (v2) {
        ControlFiles.write(dir, MAX, (quota < 0 ? "max" : Long.toString(quota)) + " " + CpuConversions.PERIOD_US);
      } else {
        // Period first: the quota is checked against it (and against the parent's bandwidth).
        ControlFiles.write(dir, PERIOD, CpuConversions.PERIOD_US);
        ControlFiles.write(dir, QUOTA, quota);
      }
    }
    if (cpu.hasSchedulingLatency() && (replace || cpu.getSchedulingLatency() == SchedulingLatency.BEST_EFFORT)) {
      boolean idle = cpu.getSchedulingLatency() == SchedulingLatency.BEST_EFFORT;
      if (idle || ControlFiles.exists(dir, IDLE)) {
        // SCHED_IDLE for the group: it runs only on otherwise idle CPU (lmctfy's batch tier).
        ControlFiles.write(dir, IDLE, idle ? "1" : "0");
      }
    }
  }

  @Override
  public void fillSpec(ContainerSpec.Builder spec) throws ContainerException {
    CpuSpec.Builder cpu = spec.getCpuBuilder();
    if (v2) {
      cpu.setLimit(CpuConversions.sharesToMilliCpus(CpuConversions.weightToShares(ControlFiles.readLong(dir, WEIGHT))));
      String[] max = ControlFiles.readLine(dir, MAX).split(" ");
      if (!max[0].equals("max")) {
        cpu.setMaxLimit(CpuConversions.quotaToMilliCpus(Long.parseLong(max[0]), Long.parseLong(max[1])));
      }
    } else {
      cpu.setLimit(CpuConversions.sharesToMilliCpus(ControlFiles.readLong(dir, SHARES)));
      long quota = ControlFiles.readLong(dir, QUOTA);
      if (quota > 0) {
        cpu.setMaxLimit(CpuConversions.quotaToMilliCpus(quota, ControlFiles.readLong(dir, PERIOD)));
      }
    }
  }

  @Override
  public void fillStats(StatsType type, ContainerStats.Builder stats) throws ContainerException {
    CpuStats.Builder out = stats.getCpuBuilder();
    KeyValues cpuStat = KeyValues.parse(ControlFiles.read(dir, STAT));
    CpuStats.Usage.Builder usage = out.getUsageBuilder();
    if (v2) {
      usage.setTotal(cpuStat.get("usage_usec") * 1000).setUser(cpuStat.get("user_usec") * 1000)
          .setSystem(cpuStat.get("system_usec") * 1000);
    } else {
      Path acct = acctDir();
      usage.setTotal(ControlFiles.readLong(acct, USAGE));
      for (String v : ControlFiles.readLine(acct, USAGE_PERCPU).split(" ")) {
        if (!v.isEmpty()) {
          usage.addPerCpu(Long.parseLong(v));
        }
      }
      KeyValues acctStat = KeyValues.parse(ControlFiles.read(acct, ACCT_STAT));
      usage.setUser(acctStat.get("user") * NANOS_PER_TICK).setSystem(acctStat.get("system") * NANOS_PER_TICK);
    }
    if (type == StatsType.FULL) {
      out.setThrottlingData(ThrottlingData.newBuilder()
          .setPeriods(cpuStat.get("nr_periods"))
          .setThrottledPeriods(cpuStat.get("nr_throttled"))
          .setThrottledTime(v2 ? cpuStat.get("throttled_usec") * 1000 : cpuStat.get("throttled_time")));
    }
    Pressure.read(unifiedDir(), PRESSURE).ifPresent(out::setPressure);
  }
}
