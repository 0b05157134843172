package org.lmctfy.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * A virtual host's life through the API on the real kernel (root): create, run /bin/true in it and wait,
 * destroy. Without {@code rootfs}: its init in new pid, ipc and mount namespaces with a fresh /proc (compare
 * with {@code c/vhost_floor.c}). With {@code -p rootfs=<dir>} (a directory with a static bin/true): a small
 * machine, also with uts and network namespaces (loopback up) and that root filesystem (pivot_root, /proc,
 * /dev, /sys), issue 13 (compare with {@code c/vhost_floor.c} with the rootfs and {@code crun run} of the same bundle).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class VirtualHostBenchmark {
  /** Empty: the plain virtual host; else the small machine's root filesystem (run-virtual-host.sh makes it). */
  @Param("")
  public String rootfs;

  private KernelRoot root;
  private ContainerSpec spec;
  private final RunSpec inherit = RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.INHERIT).build();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    String text = "virtual_host {}";
    if (!rootfs.isEmpty()) {
      if (!Files.isExecutable(Path.of(rootfs, "bin/true"))) {
        throw new IllegalStateException("rootfs " + rootfs + " has no executable bin/true");
      }
      text = "virtual_host { virtual_hostname: \"machine\" network { } } filesystem { rootfs: \"" + rootfs + "\" }";
    }
    root = rootfs.isEmpty() ? new KernelRoot(new VirtualHostFactory())
        : new KernelRoot(new VirtualHostFactory(), new FilesystemFactory());
    spec = SpecFormat.parse(text, ContainerSpec.newBuilder()).build();
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
    Procs.awaitGone(pid); // the command is the relay's child, not ours
    root.api.destroy(vh);
    return pid;
  }
}
