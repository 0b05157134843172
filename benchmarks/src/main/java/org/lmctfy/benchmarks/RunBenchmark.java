package org.lmctfy.benchmarks;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.lmctfy.api.Container;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.controller.cpu.CpuFactory;
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
 * {@code run} of /bin/true in a container isolating cpu and memory, spawn + wait, on the real kernel
 * (root). Compare with {@code c/run_floor.c}: fork, write the pid into the same cgroups, exec, wait.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RunBenchmark {
  private KernelRoot root;
  private Container container;
  private final RunSpec inherit = RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.INHERIT).build();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    root = new KernelRoot(new CpuFactory(), new MemoryFactory());
    container = root.api.create("/run", SpecFormat.parse("cpu { limit: 500 } memory { limit: 104857600 }",
        ContainerSpec.newBuilder()).build());
    System.err.println("# cgroup root " + root.root);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    root.close();
  }

  @Benchmark
  public Object runTrue() throws Exception {
    long pid = container.run(List.of("/bin/true"), inherit);
    // The command is the exec helper server's child, not this JVM's (the JDK polls a non-child's onExit
    // slowly): wait for it to be gone from /proc, as the C floor's waitpid would see it.
    Procs.awaitGone(pid);
    return pid;
  }
}
