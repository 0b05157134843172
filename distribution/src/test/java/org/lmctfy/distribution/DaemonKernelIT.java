package org.lmctfy.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.proto.CliReply;
import org.lmctfy.api.proto.CliRequest;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.CreateRequest;
import org.lmctfy.api.proto.ListRequest;
import org.lmctfy.api.proto.Request;
import org.lmctfy.api.proto.Response;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.spi.cgroup.Hierarchy;

/** bin/lmctfyd of the built distribution: authorisation, hostile clients, hot deploy, lifecycle. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DaemonKernelIT {
  private static final List<String> NOBODY = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");

  private KernelRoot k;
  private Dist dist;
  private Path socket;

  @BeforeEach
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    k = new KernelRoot();
    dist = Dist.copy();
    socket = dist.home.resolve("run/lmctfy.sock");
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      if (dist != null) {
        dist.close();
      }
    } finally {
      if (k != null) {
        k.finish();
      }
    }
  }

  private Process daemon() throws Exception {
    return dist.startDaemon("--socket", socket.toString(), "--cgroup-root", k.root, "--state-dir",
        k.stateDir.toString());
  }

  private Dist.Result lmctfy(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("--socket", socket.toString()));
    argv.addAll(List.of(args));
    return dist.run(List.of(), null, argv.toArray(new String[0]));
  }

  private Dist.Result asNobody(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("--socket", socket.toString()));
    argv.addAll(List.of(args));
    return dist.run(NOBODY, null, argv.toArray(new String[0]));
  }

  private Path kernelDir(String controller, String container) {
    Hierarchy h = k.layout.forController(controller).or(() -> k.layout.unified()).orElseThrow();
    return k.rootDir(h).resolve(container.substring(1));
  }

  private String memoryLimit(String container) throws Exception {
    Path dir = kernelDir("memory", container);
    Path f = Files.exists(dir.resolve("memory.max")) ? dir.resolve("memory.max") : dir.resolve("memory.limit_in_bytes");
    return Files.readString(f).strip();
  }

  @Test
  void anotherUserIsDeniedUnlessTheOwnerFieldsGrantIt() throws Exception {
    Assumptions.assumeTrue(new ProcessBuilder("setpriv", "--version").start().waitFor() == 0, "no setpriv here");
    // Members of the socket's group may connect; the daemon then decides per request from SO_PEERCRED.
    Files.writeString(dist.home.resolve("etc/org.lmctfy.daemon.cfg"), "socket.mode = 0660\nsocket.group = nogroup\n");
    Process d = daemon();
    assertThat(Files.getPosixFilePermissions(socket)).isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
    assertThat(Files.getAttribute(socket, "unix:gid")).isEqualTo(65534);
    assertThat(lmctfy("create", "/mine", "owner: 65534 memory { limit: 104857600 }").code()).isZero();
    assertThat(lmctfy("create", "/theirs", "memory { limit: 104857600 }").code()).isZero();

    Dist.Result r = asNobody("list", "containers", "/");
    assertThat(r.code()).as(r.err()).isEqualTo(7);
    assertThat(r.err()).startsWith("PERMISSION_DENIED: uid 65534 may not see container /");
    assertThat(asNobody("stats", "summary", "/theirs").code()).isEqualTo(7);
    assertThat(asNobody("destroy", "/theirs").code()).isEqualTo(7);
    assertThat(asNobody("init", "").code()).isEqualTo(7);
    // What the owner field grants: its container and children of it.
    r = asNobody("stats", "summary", "/mine");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("memory {");
    r = asNobody("create", "/mine/job", "memory { limit: 52428800 }");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(asNobody("update", "diff", "/mine/job", "memory { limit: 41943040 }").code()).isZero();
    assertThat(memoryLimit("/mine/job")).isEqualTo("41943040");
    // run: the CLI starts the command as this user and the daemon only enters it (foreground: the CLI's own
    // process; -n: a held exec helper that execs the command once inside).
    r = asNobody("run", "/mine/job", "/bin/cat", "/proc/self/cgroup");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains(k.root + "/mine/job");
    r = asNobody("run", "-n", "/mine/job", "/bin/sleep", "60");
    assertThat(r.code()).as(r.err()).isZero();
    String detached = r.out().replaceAll("\\D", "");
    assertThat(lmctfy("detect", detached).out()).isEqualTo("name=\"/mine/job\"\n");
    assertThat(Files.readString(Path.of("/proc/" + detached + "/status"))).containsPattern("Uid:\\s+65534\\s");
    assertThat(Files.readString(Path.of("/proc/" + detached + "/cmdline"))).isEqualTo("/bin/sleep\u000060\u0000");
    r = asNobody("run", "-n", "/theirs", "/bin/sleep", "60");
    assertThat(r.code()).as(r.err()).isEqualTo(7);
    assertThat(lmctfy("list", "pids", "/theirs").out()).isEmpty();
    // A process of this user that root confined in /theirs may not be moved out of it.
    r = lmctfy("run", "-n", "/theirs", "--", "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
        "/bin/sleep", "60");
    assertThat(r.code()).as(r.err()).isZero();
    String confined = r.out().replaceAll("\\D", "");
    r = asNobody("enter", "/mine/job", confined);
    assertThat(r.code()).as(r.err()).isEqualTo(7);
    assertThat(r.err()).contains("out of container /theirs");
    assertThat(lmctfy("detect", confined).out()).isEqualTo("name=\"/theirs\"\n");
    r = asNobody("destroy", "-f", "/mine/job"); // its detached sleep is still there
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(lmctfy("list", "containers", "-r", "/").out()).isEqualTo("name=\"/mine\"\nname=\"/theirs\"\n");
    // The protocol's run itself is root's: the daemon would start the command as root. (A CLI without the
    // exec helper asks the daemon to run: here the helper is root's alone.)
    Files.setPosixFilePermissions(dist.home.resolve("libexec/lmctfy-exec"), PosixFilePermissions.fromString("rwx------"));
    r = asNobody("run", "-n", "/mine", "/bin/true");
    assertThat(r.code()).as(r.err()).isEqualTo(7);
    assertThat(r.err()).contains("it would start them as root");
    assertThat(Dist.stop(d)).isEqualTo(143);
  }

  private static Response exchange(Path socket, byte[] raw) throws Exception {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ch.write(ByteBuffer.wrap(raw));
      ch.shutdownOutput();
      InputStream in = Channels.newInputStream(ch);
      return Response.parseDelimitedFrom(in); // null when the daemon just closed
    }
  }

  @Test
  void itsOwnConfigurationIsRefusedNamingTheKeyAtStartAndLive() throws Exception {
    Path cfg = dist.home.resolve("etc/org.lmctfy.daemon.cfg");
    // At start: refused before the socket is bound or the framework starts.
    Files.writeString(cfg, "log.level = DEBUG\n");
    Process bad = dist.process(List.of(dist.home.resolve("bin/lmctfyd").toString(), "--socket", socket.toString(),
        "--cgroup-root", k.root, "--state-dir", k.stateDir.toString())).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    assertThat(bad.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(bad.exitValue()).isEqualTo(3);
    assertThat(new String(bad.getErrorStream().readAllBytes())).contains(
        "INVALID_ARGUMENT: etc/org.lmctfy.daemon.cfg: log.level = \"DEBUG\" is not a java.util.logging level");
    assertThat(socket).doesNotExist();

    // Live: the daemon's framework gets etc/org.lmctfy.daemon.cfg through ConfigAdmin (its bundle designates the PID
    // for metatype); a bad value is refused naming the key, and the daemon serves on as it started.
    Files.writeString(cfg, "log.level = INFO\nsocket.mode = 0660\n");
    daemon();
    assertThat(lmctfy("create", "/c", "memory { limit: 104857600 }").code()).isZero();
    Files.writeString(cfg, "log.level = FINE\nsocket.mode = 06x0\n");
    Dist.await("the refusal in lmctfyd's log", 30_000, () -> dist.daemonLog().contains(
        "etc/org.lmctfy.daemon.cfg: socket.mode = \"06x0\" is not an octal mode such as 0660; nothing of it was"
            + " applied"));
    assertThat(lmctfy("list", "containers", "/").out()).isEqualTo("name=\"/c\"\n");
    assertThat(Files.getPosixFilePermissions(socket)).isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
    assertThat(lmctfy("destroy", "/c").code()).isZero();
  }

  @Test
  void malformedFramesGetAnErrorAndTheDaemonGoesOn() throws Exception {
    Process d = daemon();
    assertThat(lmctfy("create", "/c", "memory { limit: 104857600 }").code()).isZero();
    // A varint that never ends.
    Response r = exchange(socket, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
        (byte) 0xff, 1});
    assertThat(r.getCode()).isEqualTo(3);
    assertThat(r.getMessage()).contains("malformed length");
    // 100 MiB announced.
    r = exchange(socket, new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x32});
    assertThat(r.getCode()).isEqualTo(3);
    assertThat(r.getMessage()).contains("exceeds the limit");
    // A frame of garbage.
    r = exchange(socket, new byte[] {5, (byte) 0xff, (byte) 0xfe, (byte) 0xfd, (byte) 0xfc, (byte) 0xfb});
    assertThat(r.getCode()).isEqualTo(3);
    assertThat(r.getMessage()).contains("not a Request");
    // Truncated: the stream ends inside a frame.
    r = exchange(socket, new byte[] {50, 8, 1});
    assertThat(r.getCode()).isEqualTo(3);
    assertThat(r.getMessage()).contains("truncated frame");
    // A well-formed request naming a call this daemon does not know (a field from the future).
    r = exchange(socket, new byte[] {5, 8, 7, (byte) 0xf8, 0x0c, 1});
    assertThat(r.getId()).isEqualTo(7);
    assertThat(r.getCode()).isEqualTo(3);
    assertThat(r.getMessage()).contains("names no call");
    // A command line without the client's pid, and a reply to a command line that was never sent.
    r = exchange(socket, delimited(Request.newBuilder().setId(3).setCli(CliRequest.newBuilder().addArg("version"))));
    assertThat(r.getCode()).isEqualTo(3);
    assertThat(r.getMessage()).contains("client's pid");
    r = exchange(socket, delimited(Request.newBuilder().setId(4).setCliReply(CliReply.newBuilder()
        .setInput(com.google.protobuf.ByteString.copyFromUtf8("memory {}")))));
    assertThat(r.getId()).isEqualTo(4);
    assertThat(r.getCode()).isEqualTo(3);
    assertThat(r.getMessage()).contains("waits for a reply");
    // Many clients at once, with raw requests.
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<Future<Response>> answers = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      long id = i + 1;
      answers.add(pool.submit(() -> {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        Request.newBuilder().setId(id).setList(ListRequest.newBuilder().setName("/")).build().writeDelimitedTo(b);
        return exchange(socket, b.toByteArray());
      }));
    }
    for (int i = 0; i < answers.size(); i++) {
      Response a = answers.get(i).get(60, TimeUnit.SECONDS);
      assertThat(a.getId()).isEqualTo(i + 1);
      assertThat(a.getCode()).as(a.getMessage()).isZero();
      assertThat(a.getNames().getNameList()).containsExactly("/c");
    }
    pool.shutdown();
    // A client that stops mid-frame and stays connected is cut off (10 s), without stalling others.
    try (SocketChannel slow = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      slow.write(ByteBuffer.wrap(new byte[] {100, 8}));
      assertThat(lmctfy("list", "containers", "/").out()).isEqualTo("name=\"/c\"\n");
      slow.configureBlocking(true);
      Response cut = Response.parseDelimitedFrom(Channels.newInputStream(slow));
      assertThat(cut).isNull();
    }
    assertThat(d.isAlive()).isTrue();
    assertThat(lmctfy("spec", "/c").out()).contains("limit: 104857600");
    assertThat(Dist.stop(d)).isEqualTo(143);
  }

  private static byte[] delimited(Request.Builder r) throws java.io.IOException {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    r.build().writeDelimitedTo(b);
    return b.toByteArray();
  }

  /** A native client's lmctfy process reading notify -f's first line (bounded). */
  private Process following(String container, List<String> firstLine) throws Exception {
    Process p = dist.process(List.of(dist.home.resolve("bin/lmctfy").toString(), "--socket", socket.toString(),
        "notify", "container", "empty", "-f", container)).start();
    java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
    String line = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (java.io.IOException e) {
        return null;
      }
    }).get(60, TimeUnit.SECONDS);
    firstLine.add(line);
    return p;
  }

  /** Issue 14: notify -f ends with Ctrl-C; a daemon dying mid-command is an error, never a hang. */
  @Test
  void theNativeClientEndsOnCtrlCAndWhenTheDaemonDies() throws Exception {
    Process d = daemon();
    assertThat(lmctfy("create", "/n", "memory { limit: 104857600 }").code()).isZero();
    List<String> first = new ArrayList<>();
    Process p = following("/n", first);
    assertThat(first.get(0)).isEqualTo("notification_status=\"0\"");
    assertThat(new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor()).isZero();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("ended by SIGINT").isTrue();
    assertThat(p.exitValue()).isEqualTo(130);
    assertThat(lmctfy("list", "containers", "/").out()).isEqualTo("name=\"/n\"\n");

    Process q = following("/n", first);
    d.destroyForcibly();
    assertThat(q.waitFor(10, TimeUnit.SECONDS)).as("no hang when lmctfyd dies").isTrue();
    assertThat(q.exitValue()).isEqualTo(14);
    assertThat(new String(q.getErrorStream().readAllBytes())).startsWith("UNAVAILABLE: lmctfyd at " + socket);
  }

  @Test
  void aControllerJarRemovedMakesItsResourceUnavailableAndPuttingItBackRestoresIt() throws Exception {
    Process d = daemon();
    assertThat(lmctfy("create", "/m", "cpu { limit: 1000 } memory { limit: 104857600 }").code()).isZero();
    String pid = lmctfy("run", "-n", "/m", "sleep 120").out().replaceAll("\\D", "");
    Path jar = dist.bundle("memory-controller");
    Path aside = dist.home.resolve(jar.getFileName() + ".aside");
    Files.move(jar, aside);
    // (Polled with a read: an update polled here could still succeed before FileInstall notices.)
    Dist.await("memory UNAVAILABLE", 60_000, () -> lmctfy("stats", "summary", "/m").out()
        .contains("unavailable_resources: \"memory\""));
    Dist.Result r = lmctfy("update", "diff", "/m", "memory { limit: 209715200 }");
    assertThat(r.code()).as(r.err()).isEqualTo(14);
    assertThat(r.err()).startsWith("UNAVAILABLE: ").contains("memory");
    assertThat(lmctfy("stats", "summary", "/m").out()).contains("unavailable_resources: \"memory\"")
        .contains("cpu {");
    assertThat(lmctfy("spec", "/m").out()).contains("unavailable_resources: \"memory\"").contains("limit: 1000");
    // The container, its process and its kernel limit are untouched.
    assertThat(memoryLimit("/m")).isEqualTo("104857600");
    assertThat(lmctfy("list", "pids", "/m").out()).contains("pid=\"" + pid + "\"");
    // (cgroup2: the process is in the container's process leaf, part of its cgroup's subtree.)
    assertThat(org.lmctfy.spi.cgroup.ProcessLeaf.processes(kernelDir("memory", "/m"))).contains(Long.parseLong(pid));
    // Back: whole again, and updates apply.
    Files.move(aside, jar, StandardCopyOption.ATOMIC_MOVE);
    Dist.await("memory back", 60_000, () -> lmctfy("spec", "/m").out().contains("limit: 104857600"));
    assertThat(lmctfy("stats", "summary", "/m").out()).doesNotContain("unavailable_resources");
    assertThat(lmctfy("update", "diff", "/m", "memory { limit: 209715200 }").code()).isZero();
    assertThat(memoryLimit("/m")).isEqualTo("209715200");
    assertThat(lmctfy("list", "pids", "/m").out()).contains("pid=\"" + pid + "\"");
    assertThat(Dist.stop(d)).isEqualTo(143);
  }

  @Test
  void aVendorPluginHotDeploysAndUndeploys() throws Exception {
    Process d = daemon();
    String spec = "extensions { key: \"pids\" value { [type.googleapis.com/com.example.lmctfy.pids.PidsSpec]"
        + " { max: 64 } } }";
    Dist.Result r = lmctfy("create", "/p", spec);
    assertThat(r.code()).as(r.err()).isEqualTo(14); // no active resource defines the type
    assertThat(r.err()).startsWith("UNAVAILABLE: ").contains("com.example.lmctfy.pids.PidsSpec");
    Path jar = dist.home.resolve("bundle").resolve(dist.example("pids-controller").getFileName());
    Files.copy(dist.example("pids-controller"), jar);
    Dist.await("pids plugin deployed", 60_000, () -> lmctfy("create", "/p", spec).code() == 0);
    assertThat(Files.readString(kernelDir("pids", "/p").resolve("pids.max")).strip()).isEqualTo("64");
    assertThat(lmctfy("spec", "/p").out()).contains("com.example.lmctfy.pids.PidsSpec").contains("max: 64");
    assertThat(lmctfy("stats", "summary", "/p").out()).contains("PidsStats");
    Files.delete(jar);
    Dist.await("pids plugin gone", 60_000, () -> lmctfy("spec", "/p").out()
        .contains("unavailable_resources: \"pids\""));
    assertThat(Files.readString(kernelDir("pids", "/p").resolve("pids.max")).strip()).isEqualTo("64");
    assertThat(lmctfy("create", "/p2", spec).code()).isEqualTo(14);
    assertThat(lmctfy("destroy", "/p").code()).isZero();
    assertThat(kernelDir("pids", "/p")).doesNotExist();
    assertThat(Dist.stop(d)).isEqualTo(143);
  }

  @Test
  void oneDaemonPerSocketAndAStaleSocketIsReplaced() throws Exception {
    Process first = daemon();
    assertThat(lmctfy("create", "/keep", "memory { limit: 104857600 }").code()).isZero();
    String pid = lmctfy("run", "-n", "/keep", "sleep 120").out().replaceAll("\\D", "");
    // A second daemon on the same socket refuses, saying why; the first is unharmed.
    Process second = dist.process(List.of(dist.home.resolve("bin/lmctfyd").toString(), "--socket", socket.toString(),
        "--cgroup-root", k.root, "--state-dir", k.stateDir.toString())).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(second.exitValue()).isEqualTo(6);
    assertThat(new String(second.getErrorStream().readAllBytes())).startsWith("ALREADY_EXISTS: Another lmctfyd");
    assertThat(lmctfy("list", "containers", "/").out()).isEqualTo("name=\"/keep\"\n");
    // A crash leaves the socket file behind; the next daemon replaces it.
    first.destroyForcibly();
    assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(socket).exists();
    Process next = daemon();
    assertThat(lmctfy("list", "pids", "/keep").out()).contains("pid=\"" + pid + "\"");
    // SIGTERM: a graceful stop removes the socket; the containers live on (the CLI then runs embedded).
    assertThat(Dist.stop(next)).isEqualTo(143);
    assertThat(socket).doesNotExist();
    Dist.Result r = dist.run(List.of(), null, "--socket", socket.toString(), "--cgroup-root", k.root, "--state-dir",
        k.stateDir.toString(), "list", "pids", "/keep");
    assertThat(r.out()).as(r.err()).contains("pid=\"" + pid + "\"");
  }

  /**
   * SIGTERM while clients keep creating: every request the daemon took finishes and is answered, nothing
   * else is done. A create answered OK exists, whole (its memory limit in the kernel); one answered with an
   * error, or whose connection closed before an answer, does not exist.
   */
  @Test
  void sigtermFinishesRequestsInFlightAndDoesNothingElse() throws Exception {
    Process d = daemon();
    ContainerSpec spec = SpecFormat.parse("memory { limit: 104857600 } cpu { limit: 500 }",
        ContainerSpec.newBuilder()).build();
    java.util.Set<String> ok = java.util.concurrent.ConcurrentHashMap.newKeySet();
    java.util.Set<String> notDone = java.util.concurrent.ConcurrentHashMap.newKeySet();
    java.util.Set<String> refusals = java.util.concurrent.ConcurrentHashMap.newKeySet();
    java.util.concurrent.atomic.AtomicLong signalledAt = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
    java.util.concurrent.atomic.AtomicInteger answeredAfterSignal = new java.util.concurrent.atomic.AtomicInteger();
    int clients = 8;
    java.util.concurrent.CountDownLatch warm = new java.util.concurrent.CountDownLatch(clients * 5);
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < clients; t++) {
      int client = t;
      done.add(pool.submit(() -> {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
          OutputStream out = Channels.newOutputStream(ch);
          InputStream in = Channels.newInputStream(ch);
          for (int i = 0; i < 100_000; i++) {
            String name = "/t" + client + "-" + i;
            try {
              Request.newBuilder().setId(i + 1).setCreate(CreateRequest.newBuilder().setName(name).setSpec(spec))
                  .build().writeDelimitedTo(out);
              out.flush();
            } catch (java.io.IOException e) {
              notDone.add(name);
              return null; // closed by the daemon before this request was sent
            }
            Response r;
            try {
              r = Response.parseDelimitedFrom(in);
            } catch (java.io.IOException e) {
              r = null;
            }
            if (r == null) {
              notDone.add(name);
              return null; // closed without an answer: the request must not have been done
            }
            if (System.nanoTime() > signalledAt.get()) {
              answeredAfterSignal.incrementAndGet();
            }
            if (r.getCode() == 0) {
              ok.add(name);
              warm.countDown();
            } else {
              notDone.add(name);
              refusals.add(r.getCode() + ": " + r.getMessage());
              return null;
            }
          }
        }
        return null;
      }));
    }
    assertThat(warm.await(120, TimeUnit.SECONDS)).as("every client's first creates answered").isTrue();
    signalledAt.set(System.nanoTime());
    assertThat(Dist.stop(d)).isEqualTo(143);
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(refusals).as("the only refusal is the daemon's shutting down")
        .allSatisfy(m -> assertThat(m).startsWith("14: ").contains("shutting down"));
    java.util.Set<String> exist = new java.util.HashSet<>();
    for (org.lmctfy.api.Container c : k.api.get("/").listSubcontainers(org.lmctfy.api.ListPolicy.SELF)) {
      exist.add(c.name());
    }
    assertThat(exist).as("containers after SIGTERM = creates answered OK").isEqualTo(ok);
    for (String name : ok) {
      assertThat(memoryLimit(name)).as(name).isEqualTo("104857600");
    }
    // No cgroup of a create cut short: the kernel tree holds exactly the containers answered OK.
    for (Hierarchy h : k.layout.hierarchies()) {
      Path r = k.rootDir(h);
      if (Files.isDirectory(r)) {
        try (java.util.stream.Stream<Path> s = Files.list(r)) {
          assertThat(s.filter(Files::isDirectory).map(p -> "/" + p.getFileName()))
              .as("cgroups in " + r).allMatch(ok::contains, "answered OK");
        }
      }
    }
    System.out.printf("sigterm: %d creates OK (%d answered after SIGTERM), %d not done%n", ok.size(),
        answeredAfterSignal.get(), notDone.size());
  }

  @Test
  void gogoShellCommands() throws Exception {
    Process d = dist.startDaemon("--shell", "--socket", socket.toString(), "--cgroup-root", k.root,
        "--state-dir", k.stateDir.toString());
    OutputStream in = d.getOutputStream();
    in.write("lmctfy:create /g \"memory { limit: 104857600 }\"\n".getBytes());
    in.flush();
    try {
      Dist.await("lmctfy:create through Gogo", 60_000, () -> lmctfy("list", "containers", "/").out()
          .equals("name=\"/g\"\n"));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; Gogo said: " + dist.output, e);
    }
    assertThat(String.join("\n", dist.output)).contains("/g");
    assertThat(memoryLimit("/g")).isEqualTo("104857600");
    in.write("lmctfy:destroy /g\n".getBytes());
    in.flush();
    Dist.await("lmctfy:destroy through Gogo", 60_000, () -> lmctfy("list", "containers", "/").out().isEmpty());
    assertThat(Dist.stop(d)).isEqualTo(143);
  }
}
