package org.lmctfy.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.lmctfy.api.Container;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.EventSpec;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.controller.memory.MemoryFactory;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.Hierarchy;
import org.lmctfy.spi.cgroup.KeyValues;

/**
 * OOM-notification latency: a watcher thread samples the kernel's oom_kill counter every ~100 µs and
 * stamps the moment it changes; the latency is the listener call minus that stamp. N kills of a memory
 * hog in a 32 MiB container after 3 warm-up kills; prints p50, p99 and max in milliseconds. Root only.
 */
public final class OomLatency {
  private OomLatency() {}

  /**
   * Creates {@code name} (32 MiB), registers an OOM notification and kills a memory hog in it n times after 3
   * warm-up kills; answers the figures as a line.
   */
  public static String measure(KernelRoot root, String name, int n) throws Exception {
    Container c = root.api.create(name, SpecFormat.parse("memory { limit: 33554432 }",
        ContainerSpec.newBuilder()).build());
    Hierarchy mem = root.layout.forController("memory").orElseThrow();
    java.nio.file.Path dir = root.rootDir(mem).resolve(name.substring(1));
    String file = mem.unified() ? "memory.events" : "memory.oom_control";
    BlockingQueue<Long> calls = new LinkedBlockingQueue<>();
    c.registerNotification(SpecFormat.parse("oom {}", EventSpec.newBuilder()).build(),
        (ct, code, detail) -> calls.add(System.nanoTime()));
    List<Double> latencies = new ArrayList<>();
    RunSpec detached = RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.DETACHED).build();
    int warmup = 3; // JIT and the listener pool's first thread
    for (int i = 0; i < n + warmup; i++) {
      long before = KeyValues.parse(ControlFiles.read(dir, file)).get("oom_kill");
      long pid = c.run(List.of("/usr/bin/tail", "/dev/zero"), detached);
      long seen;
      while (true) {
        if (KeyValues.parse(ControlFiles.read(dir, file)).get("oom_kill") != before) {
          seen = System.nanoTime();
          break;
        }
        java.util.concurrent.locks.LockSupport.parkNanos(100_000);
      }
      Long call = calls.poll(10, TimeUnit.SECONDS);
      if (call == null) {
        throw new IllegalStateException("no notification for kill " + i);
      }
      if (i >= warmup) {
        latencies.add((call - seen) / 1e6);
      }
      ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
      calls.clear();
    }
    Collections.sort(latencies);
    return String.format("OOM notification latency over %d kills (%s, %s): p50 %.2f ms, p99 %.2f ms, max %.2f ms",
        n, mem.unified() ? "cgroup2 memory.events, inotify" : "v1 memory.oom_control, OOM eventfd", file,
        latencies.get(n / 2), latencies.get(Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)), latencies.get(n - 1));
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    try (KernelRoot root = new KernelRoot(new MemoryFactory())) {
      System.out.println(measure(root, "/oom", n));
    }
  }
}
