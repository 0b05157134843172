package org.lmctfy.benchmarks;

import java.util.concurrent.TimeUnit;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.controller.blockio.BlockIoFactory;
import org.lmctfy.controller.cpu.CpuFactory;
import org.lmctfy.controller.cpuset.CpusetFactory;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * In-process create + destroy of one container isolating cpu, memory, cpuset, blockio and freezer with
 * the real controller bundles, on the real kernel (root). Compare with {@code c/create_destroy_floor.c}, which makes the same cgroupfs calls.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CreateDestroyBenchmark {
  private KernelRoot root;
  private ContainerSpec spec;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    root = new KernelRoot(new CpuFactory(), new MemoryFactory(), new CpusetFactory(), new BlockIoFactory(),
        new FreezerFactory());
    spec = SpecFormat.parse("cpu { limit: 500 mask { data: 1 } } memory { limit: 104857600 } blockio {}",
        ContainerSpec.newBuilder()).build();
    System.err.println("# cgroup root " + root.root + ", resources "
        + root.factories.all().stream().map(f -> f.resource()).toList());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    root.close();
  }

  @Benchmark
  public void createAndDestroy() throws ContainerException {
    root.api.destroy(root.api.create("/bench", spec));
  }
}
