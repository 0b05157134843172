package org.lmctfy.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lmctfy.api.Container;
import org.lmctfy.api.NotificationHandle;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.EventSpec;
import org.lmctfy.controller.memory.MemoryFactory;
import org.lmctfy.core.testing.EventLoopCpu;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.spi.cgroup.Hierarchy;

/**
 * What idle notifications cost: this JVM's CPU (utime + stime of /proc/self/stat, every thread: the event
 * loop, GC, JIT) over a fixed window with the API up and 0, 1,000 and N (default 10,000) containers each
 * holding an idle OOM registration, then with 1,000 memory-threshold registrations (far below their
 * threshold) instead. N is bounded by the memory the first 1,000 containers took from MemAvailable (at most
 * a quarter of what is left); with the N registrations held, the OOM latency of OomLatency in one more
 * container. Arguments: N, window seconds, kills. Root only; run by run-idle-events.sh.
 */
public final class IdleEvents {
  private IdleEvents() {}

  private static final long TICK_NS = 10_000_000; // USER_HZ 100

  static long processCpuNanos() throws Exception {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_NS; // fields 14 and 15
  }

  static long memAvailableKiB() throws Exception {
    for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
      if (l.startsWith("MemAvailable:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  static void measure(String what, int seconds) throws Exception {
    System.gc();
    Thread.sleep(3000); // settle: the registrations' first rounds, GC, JIT
    String load = Files.readString(Path.of("/proc/loadavg")).trim();
    long cpu0 = processCpuNanos();
    long loop0 = EventLoopCpu.nanos();
    long t0 = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    long wall = System.nanoTime() - t0;
    System.out.printf("%-44s process %5.2f %% of a CPU, event loop %6.3f %%  (%d s; loadavg %s)%n", what,
        100.0 * (processCpuNanos() - cpu0) / wall, 100.0 * (EventLoopCpu.nanos() - loop0) / wall, seconds, load);
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    int latencyKills = args.length > 2 ? Integer.parseInt(args[2]) : 30;
    int first = Math.min(1000, n);
    ContainerSpec spec = SpecFormat.parse("memory { limit: 67108864 }", ContainerSpec.newBuilder()).build();
    EventSpec oom = SpecFormat.parse("oom {}", EventSpec.newBuilder()).build();
    EventSpec threshold = SpecFormat.parse("memory_threshold { usage: 50331648 }", EventSpec.newBuilder()).build();
    try (KernelRoot root = new KernelRoot(new MemoryFactory())) {
      Hierarchy mem = root.layout.forController("memory").orElseThrow();
      System.out.printf("memory on %s; %d CPUs; MemAvailable %d MiB%n",
          mem.unified() ? "cgroup2 (OOM through inotify on memory.events)" : "cgroup v1 (OOM and thresholds through eventfds)",
          Runtime.getRuntime().availableProcessors(), memAvailableKiB() / 1024);
      measure("API up, 0 registrations", seconds);

      List<Container> cs = new ArrayList<>();
      List<NotificationHandle> ooms = new ArrayList<>();
      long avail0 = memAvailableKiB();
      long t = System.nanoTime();
      for (int i = 0; i < first; i++) {
        Container c = root.api.create("/i" + i, spec);
        cs.add(c);
        ooms.add(c.registerNotification(oom, (ct, code, d) -> { }));
      }
      long perContainer = Math.max(1, (avail0 - memAvailableKiB()) / first);
      System.out.printf("  %d containers + OOM registrations in %.1f s, ~%d KiB of memory each%n", first,
          (System.nanoTime() - t) / 1e9, perContainer);
      measure(first + " idle OOM registrations", seconds);

      int bound = (int) Math.min(n, first + memAvailableKiB() / 4 / perContainer);
      if (bound < n) {
        System.out.printf("  bounded to %d containers by memory (a quarter of MemAvailable)%n", bound);
      }
      t = System.nanoTime();
      for (int i = first; i < bound; i++) {
        Container c = root.api.create("/i" + i, spec);
        cs.add(c);
        ooms.add(c.registerNotification(oom, (ct, code, d) -> { }));
      }
      if (bound > first) {
        System.out.printf("  %d more in %.1f s%n", bound - first, (System.nanoTime() - t) / 1e9);
        measure(bound + " idle OOM registrations", seconds);
      }
      System.out.println("  with " + bound + " idle OOM registrations: "
          + OomLatency.measure(root, "/oom", latencyKills));

      for (int i = 0; i < ooms.size(); i++) {
        cs.get(i).unregisterNotification(ooms.get(i));
      }
      for (int i = 0; i < first; i++) {
        cs.get(i).registerNotification(threshold, (ct, code, d) -> { });
      }
      measure(first + " idle threshold registrations (48 of 64 MiB)", seconds);
      System.out.println("  destroying " + (cs.size() + 1) + " containers");
    }
  }
}
