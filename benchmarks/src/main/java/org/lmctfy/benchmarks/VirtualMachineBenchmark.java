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
import org.lmctfy.controller.namespace.FilesystemFactory;
import org.lmctfy.controller.namespace.VirtualHostFactory;
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
 * A small machine's life through the API on the real kernel (root), issue 13: a virtual host with pid, ipc,
 * mount, uts and network namespaces (loopback up) and a busybox root filesystem (pivot_root, /proc, /dev,
 * /sys), created, running /bin/true (the rootfs's) and waited for, destroyed. Compare with
 * {@code c/vmachine_floor.c} and with {@code crun run} of the same bundle (run-virtual-host.sh).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class VirtualMachineBenchmark {
  /** The busybox root filesystem, made by the script (run-virtual-host.sh). */
  @Param("")
  public String rootfs;

  private KernelRoot root;
  private ContainerSpec spec;
  private final RunSpec inherit = RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.INHERIT).build();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    if (rootfs.isEmpty() || !Files.isExecutable(Path.of(rootfs, "bin/true"))) {
      throw new IllegalStateException("-p rootfs=<a directory with a static bin/true> is required");
    }
    root = new KernelRoot(new VirtualHostFactory(), new FilesystemFactory());
    spec = SpecFormat.parse("virtual_host { virtual_hostname: \"machine\" network { } } filesystem { rootfs: \""
        + rootfs + "\" }", ContainerSpec.newBuilder()).build();
    System.err.println("# cgroup root " + root.root);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    root.close();
  }

  @Benchmark
  public long createRunDestroy() throws Exception {
    Container vh = root.api.create("/vm", spec);
    long pid = vh.run(List.of("/bin/true"), inherit);
    Path proc = Path.of("/proc", Long.toString(pid));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (Files.exists(proc) && System.nanoTime() < deadline) {
      LockSupport.parkNanos(20_000);
    }
    root.api.destroy(vh);
    return pid;
  }
}
