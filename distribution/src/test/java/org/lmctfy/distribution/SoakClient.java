package org.lmctfy.distribution;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.CpuSpec;
import org.lmctfy.api.proto.MemorySpec;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.launcher.client.RemoteSession;

/**
 * One soak client: random operations on the soak's tree through the launcher's client library (one
 * connection, reconnected after the daemon went away), each outcome counted by status code. An operation
 * runs only while the gate's read lock is held, so that a quiet point (the write lock) sees none in flight.
 * Errors the chaos or the clients' collisions cause are expected; any other outcome is a failure.
 */
final class SoakClient implements Runnable {
  /** Operations and their weights. */
  enum Op {
    CREATE(20), DESTROY(6), UPDATE_DIFF(8), UPDATE_REPLACE(4), RUN(8), PAUSE(4), RESUME(6), KILLALL(4), LIST(10),
    LIST_PIDS(3), SPEC(12), STATS(12);

    final int weight;

    Op(int weight) {
      this.weight = weight;
    }
  }

  static final List<String> SLEEP = List.of("/bin/sleep", "5");
  /** A cgroup the kernel would not remove (EBUSY): the daemon's message names it. */
  private static final java.util.regex.Pattern BUSY =
      java.util.regex.Pattern.compile("rmdir (/\\S+): Device or resource busy");
  private static final int TOTAL_WEIGHT = java.util.Arrays.stream(Op.values()).mapToInt(o -> o.weight).sum();

  final String id;
  private final Random random;
  private final Path socket;
  private final Path execHelper;
  private final SoakTree tree;
  private final SoakFigures figures;
  private final SoakJournal journal;
  private final ReadWriteLock gate;
  private final AtomicBoolean stop;
  private volatile RemoteSession session;
  private ContainerApi api;
  /** The operation under way and since when (nanoTime), for the hang watchdog; 0 when idle. */
  volatile String current = "";
  volatile long since;
  // The operation being built: named before the call, so that a failure is logged with them.
  private String name;
  private String detail;

  SoakClient(int index, long seed, Path socket, Path execHelper, SoakTree tree, SoakFigures figures,
      SoakJournal journal, ReadWriteLock gate, AtomicBoolean stop) {
    this.id = "c" + index;
    this.random = new Random(seed * 31 + index);
    this.socket = socket;
    this.execHelper = execHelper;
    this.tree = tree;
    this.figures = figures;
    this.journal = journal;
    this.gate = gate;
    this.stop = stop;
  }

  @Override
  public void run() {
    try {
      while (!stop.get()) {
        boolean backOff = false;
        if (gate.readLock().tryLock(200, TimeUnit.MILLISECONDS)) {
          try {
            backOff = step();
          } finally {
            since = 0;
            gate.readLock().unlock();
          }
        }
        // Think time outside the gate (a quiet point does not wait for it); longer while there is no daemon.
        long thinkMs = backOff ? 100 + random.nextInt(200) : 5 + random.nextInt(35);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(thinkMs));
      }
    } catch (Throwable t) {
      figures.fail(journal.now() + " " + id + " died: " + stackOf(t));
    } finally {
      abort();
    }
  }

  /** Closes the connection (a hung call then fails UNAVAILABLE); the next operation reconnects. */
  void abort() {
    RemoteSession s = session;
    if (s != null) {
      s.close();
    }
  }

  /** One operation; true when there was no daemon to talk to. */
  private boolean step() {
    since = System.nanoTime();
    if (api == null) {
      current = "connect";
      try {
        Optional<RemoteSession> s = RemoteSession.connect(socket, execHelper);
        if (s.isEmpty()) {
          figures.count("connect", "REFUSED", null); // no daemon (killed, not restarted yet)
          return true;
        }
        session = s.get();
        api = session.api();
        figures.count("connect", "OK", null);
      } catch (ContainerException e) {
        figures.count("connect", e.code().name(), e.getMessage());
        figures.fail(journal.now() + " " + id + " connect: " + e.code() + ": " + e.getMessage());
        return true;
      }
    }
    Op op = pick();
    name = null;
    detail = "";
    long t0 = System.nanoTime();
    current = op.name().toLowerCase();
    try {
      perform(op);
      figures.count(op.name().toLowerCase(), "OK", null);
      journal.op(id, op.name().toLowerCase(), name, detail, "OK", elapsedMs(t0));
    } catch (ContainerException e) {
      String outcome = outcome(e);
      figures.count(op.name().toLowerCase(), outcome, e.getMessage());
      java.util.regex.Matcher busy = BUSY.matcher(String.valueOf(e.getMessage()));
      if (busy.find()) { // what the kernel still holds there, read at once for the log
        detail += (detail.isEmpty() ? "" : "; ") + "busy " + SoakInvariants.describeCgroup(Path.of(busy.group(1)));
      }
      journal.op(id, op.name().toLowerCase(), name, detail, outcome + ": " + oneLine(e.getMessage()), elapsedMs(t0));
      if (!expected(op, e)) {
        figures.fail(journal.now() + " " + id + " " + op + " " + name + " [" + detail + "]: unexpected " + e.code()
            + ": " + e.getMessage() + (e.code() == StatusCode.INTERNAL ? "\n" + stackOf(e) : ""));
      }
      if (outcome.equals("UNAVAILABLE(daemon)")) {
        abort();
        session = null;
        api = null;
      }
    } catch (RuntimeException e) {
      figures.count(op.name().toLowerCase(), "EXCEPTION", e.toString());
      journal.op(id, op.name().toLowerCase(), name, detail, "EXCEPTION " + e, elapsedMs(t0));
      figures.fail(journal.now() + " " + id + " " + op + " " + name + " [" + detail + "]: " + stackOf(e));
    }
    return false;
  }

  private Op pick() {
    int x = random.nextInt(TOTAL_WEIGHT);
    for (Op o : Op.values()) {
      x -= o.weight;
      if (x < 0) {
        return o;
      }
    }
    throw new IllegalStateException();
  }

  private void perform(Op op) throws ContainerException {
    switch (op) {
      case CREATE -> {
        name = tree.toCreate(random);
        ContainerSpec spec = createSpec();
        detail = SoakSpecs.text(spec);
        current = "create " + name;
        api.create(name, spec);
        tree.created(name, SoakSpecs.isolated(spec));
      }
      case DESTROY -> {
        name = tree.existing(random);
        current = "destroy " + name;
        api.destroy(api.get(name));
        tree.destroyed(name);
      }
      case UPDATE_DIFF, UPDATE_REPLACE -> {
        name = tree.existing(random);
        boolean replace = op == Op.UPDATE_REPLACE;
        Set<String> isolated = tree.resourcesOf(name);
        if (isolated == null) {
          isolated = SoakSpecs.isolated(createSpec());
        }
        ContainerSpec spec = updateSpec(isolated, replace);
        detail = SoakSpecs.text(spec);
        current = op.name().toLowerCase() + " " + name;
        api.get(name).update(spec, replace ? UpdatePolicy.REPLACE : UpdatePolicy.DIFF);
      }
      case RUN -> {
        name = tree.existing(random);
        current = "run " + name;
        long pid = api.get(name).run(SLEEP, RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.DETACHED).build());
        detail = "pid " + pid;
      }
      case PAUSE -> {
        name = tree.existing(random);
        current = "pause " + name;
        api.get(name).pause();
      }
      case RESUME -> {
        name = tree.existing(random);
        current = "resume " + name;
        api.get(name).resume();
      }
      case KILLALL -> {
        name = tree.existing(random);
        ListPolicy policy = random.nextBoolean() ? ListPolicy.RECURSIVE : ListPolicy.SELF;
        detail = policy.toString();
        current = "killall " + name;
        api.get(name).killAll(policy);
      }
      case LIST -> {
        current = "list /";
        List<String> names = new ArrayList<>();
        for (Container c : api.get("/").listSubcontainers(ListPolicy.RECURSIVE)) {
          names.add(c.name());
        }
        detail = names.size() + " containers";
        tree.listed(names);
        figures.mostContainers.accumulateAndGet(names.size(), Math::max);
      }
      case LIST_PIDS -> {
        name = tree.existing(random);
        current = "list pids " + name;
        detail = api.get(name).listProcesses(ListPolicy.RECURSIVE).size() + " pids";
      }
      case SPEC -> {
        name = tree.existing(random);
        current = "spec " + name;
        detail = SoakSpecs.text(api.get(name).spec());
      }
      case STATS -> {
        name = tree.existing(random);
        StatsType type = random.nextBoolean() ? StatsType.SUMMARY : StatsType.FULL;
        detail = type.toString();
        current = "stats " + name;
        api.get(name).stats(type);
      }
      default -> throw new IllegalStateException(op.toString());
    }
  }

  /** Isolates nothing but the implicit freezer, cpu, memory or both, with random values. */
  private ContainerSpec createSpec() {
    ContainerSpec.Builder b = ContainerSpec.newBuilder();
    int k = random.nextInt(10);
    if (k >= 2 && k <= 4 || k >= 8) {
      b.setCpu(cpu(true));
    }
    if (k >= 5) {
      b.setMemory(memory());
    }
    return b.build();
  }

  /**
   * DIFF: some of the isolated resources, some of their fields; REPLACE: every isolated resource, whole. (An
   * empty spec for a container isolating neither is an update that changes nothing.)
   */
  private ContainerSpec updateSpec(Set<String> isolated, boolean replace) {
    ContainerSpec.Builder b = ContainerSpec.newBuilder();
    List<String> chosen = new ArrayList<>();
    for (String r : new TreeSet<>(isolated)) {
      if (replace || random.nextInt(10) < 7) {
        chosen.add(r);
      }
    }
    if (chosen.isEmpty() && !isolated.isEmpty()) {
      chosen.add(new ArrayList<>(new TreeSet<>(isolated)).get(random.nextInt(isolated.size())));
    }
    if (chosen.contains("cpu")) {
      CpuSpec.Builder c = cpu(replace || random.nextInt(10) < 8).toBuilder();
      if (!c.hasLimit() && !c.hasMaxLimit()) {
        c.setLimit(SoakSpecs.milliCpus(random));
      }
      b.setCpu(c);
    }
    if (chosen.contains("memory")) {
      b.setMemory(memory());
    }
    return b.build();
  }

  private CpuSpec cpu(boolean withLimit) {
    CpuSpec.Builder c = CpuSpec.newBuilder();
    if (withLimit) {
      c.setLimit(SoakSpecs.milliCpus(random));
    }
    if (random.nextInt(4) == 0) {
      c.setMaxLimit(SoakSpecs.maxMilliCpus(random));
    }
    return c.build();
  }

  private MemorySpec memory() {
    return MemorySpec.newBuilder().setLimit(SoakSpecs.memoryBytes(random)).build();
  }

  /** The outcome's name in the figures: the status code, UNAVAILABLE(daemon) when the daemon went away. */
  static String outcome(ContainerException e) {
    if (e.code() == StatusCode.UNAVAILABLE && String.valueOf(e.getMessage()).contains("lmctfyd")) {
      return "UNAVAILABLE(daemon)";
    }
    return e.code().name();
  }

  /**
   * What the chaos (daemon killed, controllers swapped), the clients' collisions on names and their random specs
   * explain. Anything else (INTERNAL, UNKNOWN, DATA_LOSS, a rejected spec of ours...) is a failure.
   */
  static boolean expected(Op op, ContainerException e) {
    String m = String.valueOf(e.getMessage());
    switch (e.code()) {
      case UNAVAILABLE:
      case NOT_FOUND:
      case ALREADY_EXISTS:
      case FAILED_PRECONDITION:
      case DEADLINE_EXCEEDED:
        return true;
      case INVALID_ARGUMENT:
        // An update built from a stale belief of what the container isolates (re-created meanwhile by another
        // client with another spec) - never one asking for the freezer, which no spec can name; or a random cpu
        // cap above an ancestor's, which v1's hierarchical CFS bandwidth rule refuses with EINVAL
        // (kernel/sched/core.c, tg_cfs_schedulable_down), or a parent's cap lowered below a child's.
        boolean update = op == Op.UPDATE_DIFF || op == Op.UPDATE_REPLACE;
        return update && (m.contains("not being isolated")
                || m.contains("must specify all resources") && !m.contains("freezer"))
            || (update || op == Op.CREATE) && m.contains("cpu.cfs_quota_us: Invalid argument");
      default:
        return false;
    }
  }

  private static long elapsedMs(long t0) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  private static String oneLine(String s) {
    String one = String.valueOf(s).replace('\n', ' ');
    return one.length() > 300 ? one.substring(0, 300) + "…" : one;
  }

  static String stackOf(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }
}
