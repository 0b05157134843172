package org.lmctfy.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ContainerStats;
import org.lmctfy.controller.blockio.BlockIoFactory;
import org.lmctfy.controller.cpu.CpuFactory;
import org.lmctfy.controller.freezer.FreezerFactory;
import org.lmctfy.controller.memory.MemoryFactory;
import org.lmctfy.core.testing.KernelRoot;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * stats() of containers isolating cpu, memory, blockio and freezer, on the real kernel (root): one
 * container (SUMMARY, FULL) and all of {@code containers} one after the other. Compare with
 * {@code c/read_files_floor.c}, which reads the same control files.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class StatsBenchmark {
  @Param({"1000"})
  public int containers;

  private KernelRoot root;
  private final List<Container> all = new ArrayList<>();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    root = new KernelRoot(new CpuFactory(), new MemoryFactory(), new BlockIoFactory(), new FreezerFactory());
    ContainerSpec spec = SpecFormat.parse("cpu { limit: 500 } memory { limit: 104857600 } blockio {}",
        ContainerSpec.newBuilder()).build();
    for (int i = 0; i < containers; i++) {
      all.add(root.api.create("/s" + i, spec));
    }
    System.err.println("# cgroup root " + root.root);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    root.close();
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public ContainerStats statsSummary() throws ContainerException {
    return all.get(0).stats(StatsType.SUMMARY);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public ContainerStats statsFull() throws ContainerException {
    return all.get(0).stats(StatsType.FULL);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public long statsSummaryOfAll() throws ContainerException {
    long sum = 0;
    for (Container c : all) {
      sum += c.stats(StatsType.SUMMARY).getMemory().getUsage();
    }
    return sum;
  }
}
