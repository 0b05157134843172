package org.lmctfy.benchmarks;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.controller.blockio.BlockIoFactory;
import org.lmctfy.controller.cpu.CpuFactory;
import org.lmctfy.controller.cpuset.CpusetFactory;
import org.lmctfy.controller.freezer.FreezerFactory;
import org.lmctfy.controller.memory.MemoryFactory;
import org.lmctfy.core.testing.KernelRoot;

/**
 * The in-process API's own time for each row of {@code run-cli.sh} (the same operations and spec, the
 * controllers lmctfyd has for them), so that the script can print how much the command line adds to each:
 * issue 14's goal is at most 2 ms. Medians of {@code runs} after unmeasured rounds: batches of {@code warm}
 * until the JIT is quiet (its compilations took under 2 % of the last batch's wall time; at most 30 batches),
 * as the script warms the daemon. Prints one line per row: its name, a tab, microseconds; and to stderr one
 * line: how many batches each row took.
 * usage: CliRows SPEC RUNS WARM
 */
public final class CliRows {
  private CliRows() {}

  private interface Step {
    /** The measured part of round {@code i}, in nanoseconds. */
    long run(int i) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    String specText = args[0];
    int runs = Integer.parseInt(args[1]);
    int warm = Integer.parseInt(args[2]);
    ContainerSpec spec = SpecFormat.parse(specText, ContainerSpec.newBuilder()).build();
    RunSpec inherit = RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.INHERIT).build();
    try (KernelRoot root = new KernelRoot(new CpuFactory(), new MemoryFactory(), new CpusetFactory(),
        new BlockIoFactory(), new FreezerFactory())) {
      ContainerApi api = root.api;
      Container e = api.create("/e", spec);
      row("create (6 cgroups + limits)", runs, warm, i -> {
        long t0 = System.nanoTime();
        Container c = api.create("/b" + i, spec);
        long t = System.nanoTime() - t0;
        api.destroy(c);
        return t;
      });
      row("destroy", runs, warm, i -> {
        Container c = api.create("/b" + i, spec);
        long t0 = System.nanoTime();
        api.destroy(c);
        return System.nanoTime() - t0;
      });
      row("run /bin/true in an existing container", runs, warm, i -> {
        long t0 = System.nanoTime();
        Procs.awaitGone(e.run(List.of("/bin/true"), inherit));
        return System.nanoTime() - t0;
      });
      row("create + run true + destroy", runs, warm, i -> {
        long t0 = System.nanoTime();
        Container c = api.create("/c" + i, spec);
        Procs.awaitGone(c.run(List.of("/bin/true"), inherit));
        api.destroy(c);
        return System.nanoTime() - t0;
      });
      row("stats", runs, warm, i -> {
        long t0 = System.nanoTime();
        e.stats(StatsType.SUMMARY);
        return System.nanoTime() - t0;
      });
      row("update memory + cpu", runs, warm, i -> {
        ContainerSpec diff = SpecFormat.parse("cpu { limit: " + (i % 9 + 1) + "00 } memory { limit: "
            + (i % 9 + 1) + "04857600 }", ContainerSpec.newBuilder()).build();
        long t0 = System.nanoTime();
        e.update(diff, UpdatePolicy.DIFF);
        return System.nanoTime() - t0;
      });
      row("pause + resume", runs, warm, i -> {
        long t0 = System.nanoTime();
        e.pause();
        e.resume();
        return System.nanoTime() - t0;
      });
      api.destroy(e);
    }
    System.err.println("rows warmed by " + WARMED + " batches of " + warm + " (JIT quiet)");
  }

  private static final StringBuilder WARMED = new StringBuilder();

  private static void row(String name, int runs, int warm, Step step) throws Exception {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    int done = 0;
    int batches = 0;
    while (batches < 30) {
      long jit0 = jit.getTotalCompilationTime();
      long t0 = System.nanoTime();
      for (int i = 0; i < warm; i++) {
        step.run(done++);
      }
      batches++;
      long wallMs = (System.nanoTime() - t0) / 1_000_000;
      if ((jit.getTotalCompilationTime() - jit0) * 50 <= wallMs) {
        break;
      }
    }
    WARMED.append(WARMED.length() == 0 ? "" : "/").append(batches);
    long[] t = new long[runs];
    for (int i = 0; i < runs; i++) {
      t[i] = step.run(done + i);
    }
    Arrays.sort(t);
    System.out.println(name + "\t" + t[runs / 2] / 1000);
  }
}
