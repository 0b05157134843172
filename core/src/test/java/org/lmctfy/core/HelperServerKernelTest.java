package org.lmctfy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lmctfy.core.testing.Specs.spec;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.api.Container;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.core.testing.Expect;
import org.lmctfy.core.testing.KernelFactories;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.core.testing.TestCgroupFactory;
import org.lmctfy.spi.exec.HelperServer;
import org.lmctfy.spi.exec.Namespaces;

/**
 * The exec helper server ({@code lmctfy-exec --serve}, {@link HelperServer}) that forks a helper per command
 * instead of a JVM spawn per command, on the real kernel (root only): concurrent starts, a server killed from
 * outside, close, and the server's own end when its caller goes.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HelperServerKernelTest {
  private static final RunSpec DETACHED = RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.DETACHED).build();

  @TempDir Path tmp;
  private KernelRoot k;

  @BeforeEach
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    k = new KernelRoot(KernelFactories.standard(org.lmctfy.spi.cgroup.CgroupLayout.detect())
        .toArray(new TestCgroupFactory[0]));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (k != null) {
      k.finish();
    }
  }

  /** This JVM's helper servers (children running lmctfy-exec --serve). */
  private static List<ProcessHandle> servers() {
    return ProcessHandle.current().children().filter(p -> p.info().arguments()
        .map(a -> a.length > 0 && a[0].equals("--serve")).orElse(false)).toList();
  }

  @Test
  void fortyCommandsStartedAtOnceFromEightThreadsAreAllInsideAndOneServerForksThem() throws Exception {
    Container c = k.api.create("/s", spec("cpu { limit: 100 } memory { limit: 104857600 }"));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Long>> started = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        started.add(pool.submit(() -> c.run(List.of("/bin/sleep", "30"), DETACHED)));
      }
      List<Long> pids = new ArrayList<>();
      for (Future<Long> f : started) {
        pids.add(f.get(60, TimeUnit.SECONDS));
      }
      assertThat(c.listProcesses(ListPolicy.SELF)).containsExactlyInAnyOrderElementsOf(pids);
      assertThat(servers()).as("one server for the API instance").hasSize(1);
      for (long pid : pids) {
        assertThat(ProcessHandle.of(pid).flatMap(p -> p.parent()).map(ProcessHandle::pid))
            .as("the command's parent is the server, not this JVM").isEqualTo(servers().stream()
                .map(ProcessHandle::pid).findFirst());
      }
    } finally {
      pool.shutdownNow();
      c.killAll();
    }
  }

  @Test
  void aServerKilledFromOutsideIsReplacedAtTheNextStart() throws Exception {
    Container c = k.api.create("/s", spec("memory { limit: 104857600 }"));
    long first = c.run(List.of("/bin/sleep", "30"), DETACHED);
    ProcessHandle server = servers().get(0);
    server.destroyForcibly();
    server.onExit().get(10, TimeUnit.SECONDS);
    assertThat(ProcessHandle.of(first)).as("a command outlives its server").isPresent();
    long second = c.run(List.of("/bin/sleep", "30"), DETACHED);
    assertThat(c.listProcesses(ListPolicy.SELF)).containsExactlyInAnyOrder(first, second);
    assertThat(servers()).hasSize(1).doesNotContain(server);
    c.killAll();
  }

  @Test
  void closingEndsTheServerLeavesItsCommandsAndRefusesLaterStarts() throws Exception {
    Container c = k.api.create("/s", spec("memory { limit: 104857600 }"));
    long pid = c.run(List.of("/bin/sleep", "30"), DETACHED);
    ProcessHandle server = servers().get(0);
    k.api.execHelper().close();
    server.onExit().get(10, TimeUnit.SECONDS);
    assertThat(ProcessHandle.of(pid)).as("commands go on").isPresent();
    Expect.code(() -> c.run(List.of("/bin/true"), DETACHED), StatusCode.UNAVAILABLE, "closed");
    c.killAll();
  }

  @Test
  void theServerEndsWhenItsCallersConnectionEnds() throws Exception {
    Path helper = k.api.execHelper().binary();
    Path hello = tmp.resolve("h");
    Path sock = tmp.resolve("s");
    try (ServerSocketChannel ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      ss.bind(UnixDomainSocketAddress.of(hello));
      Process server = new ProcessBuilder(helper.toString(), "--serve", sock.toString(), "--status",
          hello.toString()).redirectErrorStream(true).start();
      try {
        SocketChannel caller = ss.accept();
        ByteBuffer b = ByteBuffer.allocate(64);
        while (!new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).contains("\n")) {
          assertThat(caller.read(b)).isPositive();
        }
        assertThat(new String(b.array(), 0, b.position(), StandardCharsets.UTF_8)).isEqualTo("ready\n");
        assertThat(server.isAlive()).isTrue();
        // A request that is not one: a precise error on its connection, and the server goes on.
        try (SocketChannel bad = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
          bad.write(ByteBuffer.wrap("x\n".getBytes(StandardCharsets.US_ASCII)));
          assertThat(readAll(bad)).startsWith("71 server: bad request length");
        }
        assertThat(server.isAlive()).isTrue();
        caller.close(); // as when the caller dies
        assertThat(server.waitFor(10, TimeUnit.SECONDS)).as("the server exits").isTrue();
        assertThat(server.exitValue()).isZero();
      } finally {
        server.destroyForcibly();
      }
    }
  }

  @Test
  void theBuiltInInitIsRefusedWithACommandOrWithoutANewPidNamespace() throws Exception {
    Path helper = k.api.execHelper().binary();
    Process p = new ProcessBuilder(helper.toString(), "--init", "--", "/bin/true").redirectErrorStream(true).start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .startsWith("22 arguments: --init takes no command");
    assertThat(p.exitValue()).isEqualTo(127);
    Process q = new ProcessBuilder(helper.toString(), "--init", "--").redirectErrorStream(true).start();
    assertThat(q.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .startsWith("22 arguments: --init needs --unshare pid");
    try (HelperServer s = new HelperServer(helper)) {
      Expect.code(() -> s.startInit(List.of(), Namespaces.NONE), StatusCode.INVALID_ARGUMENT, "unshare pid");
    }
  }

  private static String readAll(SocketChannel c) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(1024);
    while (c.read(b) > 0) {
      // until the server's forked request process ends the connection
    }
    return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
  }
}
