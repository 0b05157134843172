package org.lmctfy.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.lmctfy.api.Container;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.controller.namespace.VirtualHostFactory;
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
 * A virtual host's life through the API on the real kernel (root): create (its init in new pid, ipc and mount
 * namespaces, a fresh /proc), run /bin/true in it and wait, destroy. Compare with {@code c/vhost_floor.c}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class VirtualHostBenchmark {
  private KernelRoot root;
  private ContainerSpec spec;
  private final RunSpec inherit = RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.INHERIT).build();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    root = new KernelRoot(new VirtualHostFactory());
    spec = SpecFormat.parse("virtual_host {}", ContainerSpec.newBuilder()).build();
    System.err.println("# cgroup root " + root.root);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    root.close();
  }

  @Benchmark
  public long createRunDestroy() throws Exception {
    Container vh = root.api.create("/vh", spec);
    long pid = vh.run(List.of("/bin/true"), inherit);
    // The command is the relay's child, not ours: wait for it to be gone.
    Path proc = Path.of("/proc", Long.toString(pid));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (Files.exists(proc) && System.nanoTime() < deadline) {
      LockSupport.parkNanos(20_000);
    }
    root.api.destroy(vh);
    return pid;
  }
}
