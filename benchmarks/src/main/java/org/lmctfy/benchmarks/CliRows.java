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
 * line: how many batches each row took. With {@code interleaved}, it warms every row first, prints
 * {@code ready}, then measures the row whose number (0-6) it reads on each line of stdin and prints it, until
 * stdin ends: the script measures each row of the command line just before the API's, so that both see the
 * host in the same state (a shared VM's load changes from one minute to the next).
 * usage: CliRows SPEC RUNS WARM [interleaved]
 */
public final class CliRows {
  private CliRows() {}

  private interface Step {
    /** The measured part of round {@code i}, in nanoseconds. */
    long run(int i) throws Exception;
  }

  private record Row(String name, Step step) {}

  public static void main(String[] args) throws Exception {
    String specText = args[0];
    int runs = Integer.parseInt(args[1]);
    int warm = Integer.parseInt(args[2]);
    boolean interleaved = args.length > 3 && args[3].equals("interleaved");
    ContainerSpec spec = SpecFormat.parse(specText, ContainerSpec.newBuilder()).build();
    RunSpec inherit = RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.INHERIT).build();
    try (KernelRoot root = new KernelRoot(new CpuFactory(), new MemoryFactory(), new CpusetFactory(),
        new BlockIoFactory(), new FreezerFactory())) {
      ContainerApi api = root.api;
      Container e = api.create("/e", spec);
      List<Row> rows = new java.util.ArrayList<>();
      rows.add(new Row("create (6 cgroups + limits)", i -> {
        long t0 = System.nanoTime();
        Container c = api.create("/b" + i, spec);
        long t = System.nanoTime() - t0;
        api.destroy(c);
        return t;
      }));
      rows.add(new Row("destroy", i -> {
        Container c = api.create("/b" + i, spec);
        long t0 = System.nanoTime();
        api.destroy(c);
        return System.nanoTime() - t0;
      }));
      rows.add(new Row("run /bin/true in an existing container", i -> {
        long t0 = System.nanoTime();
        Procs.awaitGone(e.run(List.of("/bin/true"), inherit));
        return System.nanoTime() - t0;
      }));
      rows.add(new Row("create + run true + destroy", i -> {
        long t0 = System.nanoTime();
        Container c = api.create("/c" + i, spec);
        Procs.awaitGone(c.run(List.of("/bin/true"), inherit));
        api.destroy(c);
        return System.nanoTime() - t0;
      }));
      rows.add(new Row("stats", i -> {
        long t0 = System.nanoTime();
        e.stats(StatsType.SUMMARY);
        return System.nanoTime() - t0;
      }));
      rows.add(new Row("update memory + cpu", i -> {
        ContainerSpec diff = SpecFormat.parse("cpu { limit: " + (i % 9 + 1) + "00 } memory { limit: "
            + (i % 9 + 1) + "04857600 }", ContainerSpec.newBuilder()).build();
        long t0 = System.nanoTime();
        e.update(diff, UpdatePolicy.DIFF);
        return System.nanoTime() - t0;
      }));
      rows.add(new Row("pause + resume", i -> {
        long t0 = System.nanoTime();
        e.pause();
        e.resume();
        return System.nanoTime() - t0;
      }));
      int[] done = new int[rows.size()];
      if (interleaved) {
        for (int k = 0; k < rows.size(); k++) {
          done[k] = warm(rows.get(k).step(), warm);
        }
        System.err.println("rows warmed by " + WARMED + " batches of " + warm + " (JIT quiet)");
        System.out.println("ready");
        System.out.flush();
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
          int k = Integer.parseInt(line.strip());
          done[k] = measure(rows.get(k), runs, done[k]);
          System.out.flush();
        }
      } else {
        for (int k = 0; k < rows.size(); k++) {
          measure(rows.get(k), runs, warm(rows.get(k).step(), warm));
        }
        System.err.println("rows warmed by " + WARMED + " batches of " + warm + " (JIT quiet)");
      }
      api.destroy(e);
    }
  }

  private static final StringBuilder WARMED = new StringBuilder();

  /** Prints the row's median of {@code runs}; returns the rounds done so far. */
  private static int measure(Row row, int runs, int done) throws Exception {
    long[] t = new long[runs];
    for (int i = 0; i < runs; i++) {
      t[i] = row.step().run(done + i);
    }
    Arrays.sort(t);
    System.out.println(row.name() + "\t" + t[runs / 2] / 1000);
    return done + runs;
  }

  /** Batches of {@code warm} until the JIT is quiet; returns the rounds done. */
  private static int warm(Step step, int warm) throws Exception {
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
    return done;
  }
}
