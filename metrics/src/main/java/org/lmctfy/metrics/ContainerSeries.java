package org.lmctfy.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import org.lmctfy.api.proto.BlockIoStats;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ContainerStats;
import org.lmctfy.api.proto.CpuSpec;
import org.lmctfy.api.proto.CpuStats;
import org.lmctfy.api.proto.MemoryStats;
import org.lmctfy.api.proto.PressureStats;

/**
 * One container's stats and spec as cAdvisor's series and units (seconds, bytes), label {@code name} = the
 * lmctfy container name. A resource the container does not isolate, or whose controller is absent, is missing
 * from its stats and so from its series.
 */
final class ContainerSeries {
  private static final double NANOS = 1e9;
  private static final double MICROS = 1e6;
  /**
   * cAdvisor's {@code container_spec_cpu_period} is the CFS period in microseconds; lmctfy's max_limit is
   * milli-CPUs. Against this period, {@code quota / period} is the CPUs the container may use, whatever period
   * the cpu controller writes to the kernel.
   */
  static final long CPU_PERIOD_US = 100_000;

  private final SeriesSet out;
  private final BlockDevices devices;

  ContainerSeries(SeriesSet out, BlockDevices devices) {
    this.out = out;
    this.devices = devices;
  }

  void add(String name, ContainerStats stats, ContainerSpec spec, int processes) {
    Labels l = Labels.of("name", name);
    if (stats.hasCpu()) {
      cpu(l, stats.getCpu());
    }
    if (stats.hasMemory()) {
      memory(l, stats.getMemory());
    }
    if (stats.hasBlockio()) {
      blockio(name, stats.getBlockio());
    }
    if (spec != null && spec.hasCpu()) {
      cpuSpec(l, spec.getCpu());
    }
    if (processes >= 0) {
      out.gauge("container_processes", "Number of processes running inside the container.", l, processes);
    }
    for (String r : stats.getUnavailableResourcesList()) {
      out.gauge("lmctfy_container_resource_unavailable",
          "1 for a resource the container isolates whose controller is absent now (its series are missing).",
          Labels.of("name", name, "resource", r), 1);
    }
  }

  private void cpu(Labels l, CpuStats cpu) {
    if (cpu.hasUsage()) {
      CpuStats.Usage u = cpu.getUsage();
      out.counter("container_cpu_usage_seconds", "Cumulative cpu time consumed in seconds.", l, u.getTotal() / NANOS);
      out.counter("container_cpu_user_seconds", "Cumulative user cpu time consumed in seconds.", l,
          u.getUser() / NANOS);
      out.counter("container_cpu_system_seconds", "Cumulative system cpu time consumed in seconds.", l,
          u.getSystem() / NANOS);
    }
    if (cpu.hasThrottlingData()) {
      out.counter("container_cpu_cfs_periods", "Number of elapsed enforcement period intervals.", l,
          cpu.getThrottlingData().getPeriods());
      out.counter("container_cpu_cfs_throttled_periods", "Number of throttled period intervals.", l,
          cpu.getThrottlingData().getThrottledPeriods());
      out.counter("container_cpu_cfs_throttled_seconds", "Total time duration the container has been throttled.",
          l, cpu.getThrottlingData().getThrottledTime() / NANOS);
    }
    if (cpu.hasPressure()) {
      pressure(l, "cpu", cpu.getPressure());
    }
  }

  private void memory(Labels l, MemoryStats m) {
    out.gauge("container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of"
        + " when it was accessed.", l, m.getUsage());
    out.gauge("container_memory_working_set_bytes", "Current working set in bytes.", l, m.getWorkingSet());
    MemoryStats.MemoryData d = m.hasHierarchicalData() ? m.getHierarchicalData() : m.getContainerData();
    out.gauge("container_memory_rss", "Size of RSS in bytes.", l, d.getRss());
    out.gauge("container_memory_cache", "Number of bytes of page cache memory.", l, d.getCache());
    out.gauge("container_memory_mapped_file", "Size of memory mapped files in bytes.", l, d.getMappedFile());
    if (m.hasMaxUsage()) {
      out.gauge("container_memory_max_usage_bytes", "Maximum memory usage recorded in bytes.", l, m.getMaxUsage());
    }
    if (m.hasSwapUsage()) {
      out.gauge("container_memory_swap", "Container swap usage in bytes.", l, m.getSwapUsage());
    }
    out.untyped("container_memory_failcnt", "Number of memory usage hits limits.", l, m.getFailCount());
    out.counter("container_oom_events", "Count of out of memory events observed for the container.", l,
        m.getOomKillCount());
    // lmctfy's -1 (no limit) is cAdvisor's 0.
    out.gauge("container_spec_memory_limit_bytes", "Memory limit for the container (0: none).", l,
        Math.max(0, m.getLimit()));
    if (m.hasReservation()) {
      out.gauge("container_spec_memory_reservation_limit_bytes", "Memory reservation for the container (0: none).",
          l, Math.max(0, m.getReservation()));
    }
    if (m.hasSwapLimit()) {
      out.gauge("container_spec_memory_swap_limit_bytes", "Memory and swap limit for the container (0: none).", l,
          Math.max(0, m.getSwapLimit()));
    }
    if (m.hasPressure()) {
      pressure(l, "memory", m.getPressure());
    }
  }

  private void blockio(String name, BlockIoStats b) {
    for (BlockIoStats.DeviceStats d : b.getDeviceStatsList()) {
      long major = d.getDevice().getMajor();
      long minor = d.getDevice().getMinor();
      String device = devices.name(major, minor);
      String[] base = {"name", name, "device", device, "major", Long.toString(major), "minor", Long.toString(minor)};
      out.counter("container_blkio_device_usage", "Blkio device bytes usage.",
          Labels.of(base).add("operation", "Read"), d.getReadBytes());
      out.counter("container_blkio_device_usage", "Blkio device bytes usage.",
          Labels.of(base).add("operation", "Write"), d.getWriteBytes());
      Labels dev = Labels.of("name", name, "device", device);
      out.counter("container_fs_reads_bytes", "Cumulative count of bytes read.", dev, d.getReadBytes());
      out.counter("container_fs_writes_bytes", "Cumulative count of bytes written.", dev, d.getWriteBytes());
      out.counter("container_fs_reads", "Cumulative count of reads completed.", dev, d.getReadOps());
      out.counter("container_fs_writes", "Cumulative count of writes completed.", dev, d.getWriteOps());
    }
    if (b.hasPressure()) {
      pressure(Labels.of("name", name), "io", b.getPressure());
    }
  }

  /** cAdvisor's PSI names: "some" is waiting, "full" is stalled; the kernel counts microseconds. */
  private void pressure(Labels l, String resource, PressureStats p) {
    if (p.hasSome()) {
      out.counter("container_pressure_" + resource + "_waiting_seconds",
          "Total time duration tasks in the container have waited due to " + resource + " congestion.", l,
          p.getSome().getTotal() / MICROS);
    }
    if (p.hasFull()) {
      out.counter("container_pressure_" + resource + "_stalled_seconds",
          "Total time duration no tasks in the container could make progress due to " + resource + " congestion.",
          l, p.getFull().getTotal() / MICROS);
    }
  }

  /**
   * lmctfy's intent-level cpu spec in cAdvisor's kernel units: shares = limit (milli-CPUs)·1024/1000, at least 2
   * (the conversion every runtime uses); quota = max_limit (milli-CPUs) against {@link #CPU_PERIOD_US}.
   */
  private void cpuSpec(Labels l, CpuSpec cpu) {
    if (cpu.hasLimit()) {
      out.gauge("container_spec_cpu_shares", "CPU share of the container.", l, Math.max(2, cpu.getLimit() * 1024 / 1000));
    }
    if (cpu.hasMaxLimit() && cpu.getMaxLimit() > 0) {
      out.gauge("container_spec_cpu_quota", "CPU quota of the container.", l,
          cpu.getMaxLimit() * CPU_PERIOD_US / 1000);
      out.gauge("container_spec_cpu_period", "CPU period of the container.", l, CPU_PERIOD_US);
    }
  }
}
