package org.lmctfy.yarn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivilegedExceptionAction;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.security.token.Token;
import org.apache.hadoop.service.Service;
import org.apache.hadoop.yarn.api.records.ApplicationAttemptId;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.ApplicationSubmissionContext;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerExitStatus;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.ContainerLaunchContext;
import org.apache.hadoop.yarn.api.records.ContainerStatus;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.LocalResource;
import org.apache.hadoop.yarn.api.records.LocalResourceType;
import org.apache.hadoop.yarn.api.records.LocalResourceVisibility;
import org.apache.hadoop.yarn.api.records.NodeState;
import org.apache.hadoop.yarn.api.records.Priority;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.api.records.URL;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.apache.hadoop.yarn.client.api.AMRMClient;
import org.apache.hadoop.yarn.client.api.AMRMClient.ContainerRequest;
import org.apache.hadoop.yarn.client.api.NMClient;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.client.api.YarnClientApplication;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.security.AMRMTokenIdentifier;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.spi.cgroup.Hierarchy;

/**
 * A real YARN (MiniYARNCluster: a ResourceManager and a NodeManager in this JVM) whose NodeManager runs
 * {@link LmctfyContainerExecutor} against a real lmctfyd of the assembled distribution, on this kernel, under a
 * cgroup root of the test's own ({@link KernelRoot}). The application is the test's own: an unmanaged
 * ApplicationMaster (this test) asks the ResourceManager for containers and starts them on the NodeManager, and
 * reads their exit statuses and diagnostics as any ApplicationMaster does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LmctfyExecutorKernelIT {
  /**
   * Waits scale with {@code lmctfy.test.time-scale} (default 1): a software-emulated guest runs ~20× slower (run
   * there with that scale and {@code lmctfy.test.timeout.mode=disabled}, the fork timeout bounding the whole).
   */
  private static final double SCALE = Double.parseDouble(System.getProperty("lmctfy.test.time-scale", "1"));
  private static final long WAIT_MS = scaled(60_000);
  private static final int ASK_MB = 128;

  private KernelRoot k;
  private Path work;
  private Path dist;
  private Path socket;
  private Process daemon;
  private MiniYARNCluster yarn;
  private YarnClient client;
  private Configuration conf;

  @BeforeAll
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    dist = Path.of(System.getProperty("lmctfy.dist", "../distribution/target/lmctfy-0.2.0-SNAPSHOT"));
    if (!Files.isExecutable(dist.resolve("bin/lmctfyd"))) {
      throw new IllegalStateException("No built distribution at " + dist + " (build module distribution first)");
    }
    k = new KernelRoot();
    System.out.println("LmctfyExecutorKernelIT: cgroup root " + k.root);
    work = Files.createTempDirectory("lmctfy-yarn-it");
    socket = work.resolve("lmctfy.sock");
    startDaemon();

    conf = new YarnConfiguration();
    conf.set(YarnConfiguration.NM_CONTAINER_EXECUTOR, LmctfyContainerExecutor.class.getName());
    conf.set(LmctfyContainerExecutor.SOCKET, socket.toString());
    conf.set(LmctfyContainerExecutor.EXEC_HELPER, dist.resolve("libexec/lmctfy-exec").toString());
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 64);
    conf.setInt(YarnConfiguration.NM_PMEM_MB, 2048);
    conf.setInt(YarnConfiguration.NM_VCORES, 4);
    // The kernel enforces memory: YARN's own process-tree monitor must not race it for the hog.
    conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
    conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
    conf.setLong(YarnConfiguration.NM_PROCESS_KILL_WAIT_MS, 200);
    conf.setLong(YarnConfiguration.NM_SLEEP_DELAY_BEFORE_SIGKILL_MS, 250);
    conf.setLong(YarnConfiguration.RM_NM_HEARTBEAT_INTERVAL_MS, 100);
    yarn = new MiniYARNCluster("lmctfy-yarn-it", 1, 1, 1);
    yarn.init(conf);
    yarn.start();
    conf = yarn.getConfig();
    client = YarnClient.createYarnClient();
    client.init(conf);
    client.start();
  }

  private void startDaemon() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(dist.resolve("bin/lmctfyd").toString(), "--socket", socket.toString(),
        "--cgroup-root", k.root, "--state-dir", k.stateDir.toString());
    Path tmp = Files.createDirectories(work.resolve("tmp"));
    pb.environment().remove("LMCTFY_SOCKET");
    pb.environment().put("JAVA_OPTS", "-Djava.io.tmpdir=" + tmp);
    daemon = pb.redirectError(work.resolve("lmctfyd.log").toFile()).start();
    BufferedReader r = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8));
    String first = CompletableFuture.supplyAsync(() -> {
      try {
        for (String l; (l = r.readLine()) != null; ) {
          if (l.startsWith("lmctfyd ready on ")) {
            return l;
          }
        }
      } catch (IOException e) {
        // ended
      }
      return null;
    }).get(scaled(120), TimeUnit.SECONDS);
    assertThat(first).as(() -> "lmctfyd did not start: " + log()).isNotNull();
    Thread drain = new Thread(() -> {
      try {
        r.transferTo(java.io.Writer.nullWriter());
      } catch (IOException e) {
        // ended
      }
    });
    drain.setDaemon(true);
    drain.start();
  }

  private void stopDaemon() throws Exception {
    if (daemon != null && daemon.isAlive()) {
      daemon.destroy();
      if (!daemon.waitFor(scaled(60), TimeUnit.SECONDS)) {
        daemon.destroyForcibly();
        daemon.waitFor(scaled(30), TimeUnit.SECONDS);
      }
    }
  }

  private String log() {
    try {
      return Files.readString(work.resolve("lmctfyd.log"));
    } catch (IOException e) {
      return e.toString();
    }
  }

  @AfterAll
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void tearDown() throws Exception {
    try {
      if (client != null) {
        client.stop();
      }
      if (yarn != null) {
        yarn.stop();
      }
      stopDaemon();
    } finally {
      try {
        if (k != null) {
          k.finish(); // every container destroyed, no cgroup left, the root removed
        }
      } finally {
        if (work != null) {
          try (Stream<Path> s = Files.walk(work)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
          }
        }
      }
    }
  }

  /** An unmanaged ApplicationMaster: this test, registered with the ResourceManager under the app's token. */
  private final class Application implements AutoCloseable {
    final ApplicationId id;
    final UserGroupInformation ugi;
    final AMRMClient<ContainerRequest> rm;
    final NMClient nm;
    final Map<ContainerId, ContainerStatus> completed = new HashMap<>();

    Application() throws Exception {
      YarnClientApplication app = client.createApplication();
      ApplicationSubmissionContext ctx = app.getApplicationSubmissionContext();
      id = ctx.getApplicationId();
      ctx.setApplicationName("lmctfy-yarn-it");
      ctx.setUnmanagedAM(true);
      ctx.setAMContainerSpec(ContainerLaunchContext.newInstance(null, null, null, null, null, null));
      client.submitApplication(ctx);
      await("the attempt of " + id + " launched", () -> {
        ApplicationReport r = client.getApplicationReport(id);
        return r.getYarnApplicationState() == YarnApplicationState.ACCEPTED
            && r.getCurrentApplicationAttemptId() != null
            && client.getApplicationAttemptReport(r.getCurrentApplicationAttemptId())
                .getYarnApplicationAttemptState().name().equals("LAUNCHED");
      });
      Token<AMRMTokenIdentifier> token = client.getAMRMToken(id);
      ugi = UserGroupInformation.createRemoteUser(UserGroupInformation.getCurrentUser().getShortUserName());
      ugi.addToken(token);
      rm = as(() -> {
        AMRMClient<ContainerRequest> c = AMRMClient.createAMRMClient();
        c.init(conf);
        c.start();
        c.registerApplicationMaster("", 0, "");
        return c;
      });
      nm = NMClient.createNMClient();
      nm.init(conf);
      nm.start();
    }

    <T> T as(PrivilegedExceptionAction<T> a) throws Exception {
      return ugi.doAs(a);
    }

    List<Container> allocate(int n) throws Exception {
      for (int i = 0; i < n; i++) {
        rm.addContainerRequest(new ContainerRequest(Resource.newInstance(ASK_MB, 1), null, null,
            Priority.newInstance(0)));
      }
      List<Container> got = new ArrayList<>();
      await(n + " containers allocated", () -> {
        got.addAll(as(() -> rm.allocate(0.1f)).getAllocatedContainers());
        return got.size() >= n;
      });
      return got;
    }

    void start(Container c, String script, Map<String, LocalResource> resources) throws Exception {
      nm.startContainer(c, ContainerLaunchContext.newInstance(resources, null,
          List.of(script), null, null, null)); // YARN runs it with bash -c "<script>" (no double quotes in it)
    }

    ContainerStatus awaitCompleted(ContainerId c) throws Exception {
      await("container " + c + " completed", () -> {
        for (ContainerStatus s : as(() -> rm.allocate(0.1f)).getCompletedContainersStatuses()) {
          completed.put(s.getContainerId(), s);
        }
        return completed.containsKey(c);
      });
      return completed.get(c);
    }

    void finish() throws Exception {
      as(() -> {
        rm.unregisterApplicationMaster(FinalApplicationStatus.SUCCEEDED, "", "");
        return null;
      });
      await(id + " finished", () -> client.getApplicationReport(id).getYarnApplicationState()
          == YarnApplicationState.FINISHED);
    }

    @Override
    public void close() {
      nm.stop();
      rm.stop();
    }
  }

  @Test
  @Order(1)
  void containersRunInLmctfyContainersWithTheirAskAndOomKillsAreReported() throws Exception {
    long t0 = System.nanoTime();
    Path payload = Files.writeString(work.resolve("payload.txt"), "localized by YARN\n");
    Path pidFile = work.resolve("sleeper.pid");
    Path seen = work.resolve("sleeper.payload");
    try (Application app = new Application()) {
      List<Container> cs = app.allocate(3);
      Container sleeper = cs.get(0);
      Container hog = cs.get(1);
      Container exit3 = cs.get(2);
      LocalResource res = LocalResource.newInstance(
          URL.fromPath(new org.apache.hadoop.fs.Path(payload.toUri())), LocalResourceType.FILE,
          LocalResourceVisibility.APPLICATION, Files.size(payload), Files.getLastModifiedTime(payload).toMillis());
      app.start(sleeper, "cat payload > " + seen + "; echo hello from YARN 1><LOG_DIR>/stdout; echo $$ > " + pidFile
          + ".tmp && mv " + pidFile + ".tmp " + pidFile + "; exec sleep 120", Map.of("payload", res));
      // Bounded: killed by the OOM killer within its 128 MB, or by timeout after 60 s.
      app.start(hog, "exec timeout -s KILL 60 tail /dev/zero", Map.of());
      app.start(exit3, "exit 3", Map.of());

      // The sleeper's process is in its lmctfy container, whose memory limit in the kernel is the ask.
      await("the sleeper's pid file", () -> Files.exists(pidFile));
      long pid = Long.parseLong(Files.readString(pidFile).trim());
      String expected = k.root + "/yarn/" + app.id + "/" + sleeper.getId();
      Hierarchy memory = k.layout.forController("memory").orElseThrow();
      String memoryPath = cgroupOf(pid, memory);
      assertThat(memoryPath).isEqualTo(expected);
      Path memoryDir = memory.mountPoint().resolve(memoryPath.substring(1));
      String limitFile = memory.unified() ? "memory.max" : "memory.limit_in_bytes";
      assertThat(Files.readString(memoryDir.resolve(limitFile)).trim())
          .isEqualTo(Long.toString(ASK_MB * 1024L * 1024));
      Hierarchy cpu = k.layout.forController("cpu").orElseThrow();
      assertThat(cgroupOf(pid, cpu)).isEqualTo(expected);
      if (!cpu.unified()) {
        assertThat(Files.readString(cpu.mountPoint().resolve(expected.substring(1)).resolve("cpu.shares")).trim())
            .isEqualTo("1024"); // one vcore: YARN's weight
      }
      // YARN's pause (opportunistic containers) is lmctfy's freezer, in the kernel.
      var nmContext = yarn.getNodeManager(0).getNMContext();
      var nmContainer = nmContext.getContainers().get(sleeper.getId());
      nmContext.getContainerExecutor().pauseContainer(nmContainer);
      assertThat(freezerState(pid)).isEqualTo("FROZEN");
      nmContext.getContainerExecutor().resumeContainer(nmContainer);
      assertThat(freezerState(pid)).isEqualTo("THAWED");

      // Localization and the log directory as with the default executor.
      assertThat(Files.readString(seen)).isEqualTo("localized by YARN\n");
      Path stdout = containerLog(sleeper.getId(), "stdout");
      assertThat(Files.readString(stdout)).isEqualTo("hello from YARN\n");

      // Exit codes.
      ContainerStatus s3 = app.awaitCompleted(exit3.getId());
      assertThat(s3.getExitStatus()).as(s3.getDiagnostics()).isEqualTo(3);

      // The hog: killed by the kernel, reported to YARN as exceeding its memory, naming lmctfy and the limit.
      ContainerStatus sh = app.awaitCompleted(hog.getId());
      assertThat(sh.getExitStatus()).as(sh.getDiagnostics()).isEqualTo(ContainerExitStatus.KILLED_EXCEEDED_PMEM);
      System.out.println("LmctfyExecutorKernelIT: the hog's diagnostics: " + sh.getDiagnostics());
      assertThat(sh.getDiagnostics()).contains("OOM killer").contains("lmctfy container " + "/yarn/" + app.id
          + "/" + hog.getId()).contains(ASK_MB * 1024L * 1024 + " bytes");

      // Stopped by its ApplicationMaster: YARN signals it, lmctfy destroys its container with its processes.
      app.nm.stopContainer(sleeper.getId(), sleeper.getNodeId());
      ContainerStatus ss = app.awaitCompleted(sleeper.getId());
      assertThat(ss.getExitStatus()).as(ss.getDiagnostics()).isEqualTo(ContainerExitStatus.KILLED_BY_APPMASTER);
      await("the sleeper's process gone", () -> !Files.exists(Path.of("/proc", Long.toString(pid))));
      app.finish();

      // Nothing of the application is left: no cgroup in any hierarchy (the parent /yarn stays, empty).
      await("no cgroup of " + app.id + " left", () -> leftoversOf(app.id.toString()).isEmpty());
      assertThat(k.leftovers()).allSatisfy(p -> assertThat(p.getFileName().toString()).isIn("yarn", "@procs"));
      System.out.printf("LmctfyExecutorKernelIT: application with 3 containers ran in %d ms%n",
          (System.nanoTime() - t0) / 1_000_000);
    }
  }

  @Test
  @Order(2)
  void anUnreachableLmctfydFailsTheLaunchAndTheNodeManagerLives() throws Exception {
    stopDaemon();
    try (Application app = new Application()) {
      Container c = app.allocate(1).get(0);
      app.start(c, "exit 0", Map.of());
      ContainerStatus s = app.awaitCompleted(c.getId());
      assertThat(s.getExitStatus()).isNotZero();
      assertThat(s.getDiagnostics()).contains("no lmctfyd answers at " + socket)
          .contains(LmctfyContainerExecutor.SOCKET);
      assertThat(yarn.getNodeManager(0).getServiceState()).isEqualTo(Service.STATE.STARTED);
      assertThat(client.getNodeReports(NodeState.RUNNING)).hasSize(1);

      // lmctfyd back: the next launch finds it.
      startDaemon();
      Container again = app.allocate(1).get(0);
      app.start(again, "exit 0", Map.of());
      ContainerStatus ok = app.awaitCompleted(again.getId());
      assertThat(ok.getExitStatus()).as(ok.getDiagnostics()).isZero();
      app.finish();
      await("no cgroup of " + app.id + " left", () -> leftoversOf(app.id.toString()).isEmpty());
    }
  }

  /** The cgroup of a process in a hierarchy, from /proc/<pid>/cgroup (cgroup2's process leaf stripped). */
  private static String cgroupOf(long pid, Hierarchy h) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
      String[] f = line.split(":", 3);
      boolean match = h.unified() ? f[0].equals("0") && f[1].isEmpty()
          : List.of(f[1].split(",")).stream().anyMatch(h.controllers()::contains);
      if (match) {
        return f[2].endsWith("/@procs") ? f[2].substring(0, f[2].length() - "/@procs".length()) : f[2];
      }
    }
    throw new AssertionError("process " + pid + " is in no cgroup of " + h);
  }

  /** FROZEN or THAWED, from the kernel: v1's freezer.state, or cgroup2's cgroup.events "frozen". */
  private String freezerState(long pid) throws IOException {
    Hierarchy h = k.layout.forController("freezer").orElse(k.layout.unified().orElseThrow());
    Path dir = h.mountPoint().resolve(cgroupOf(pid, h).substring(1));
    if (h.unified()) {
      return Files.readAllLines(dir.resolve("cgroup.events")).contains("frozen 1") ? "FROZEN" : "THAWED";
    }
    return Files.readString(dir.resolve("freezer.state")).trim();
  }

  private Path containerLog(ContainerId c, String file) throws IOException {
    try (Stream<Path> s = Files.walk(yarn.getTestWorkDir().toPath())) {
      return s.filter(p -> p.getFileName().toString().equals(file)
          && p.getParent().getFileName().toString().equals(c.toString())).findFirst()
          .orElseThrow(() -> new AssertionError("no " + file + " log of " + c));
    }
  }

  private List<Path> leftoversOf(String app) throws IOException {
    return k.leftovers().stream().filter(p -> p.toString().contains(app)).toList();
  }

  private static long scaled(long v) {
    return Math.round(v * SCALE);
  }

  private static void await(String what, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + WAIT_MS * 1_000_000L;
    while (System.nanoTime() < deadline) {
      if (condition.call()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("Timed out after " + WAIT_MS + " ms waiting for: " + what);
  }
}
