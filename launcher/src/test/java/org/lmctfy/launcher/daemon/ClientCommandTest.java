package org.lmctfy.launcher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.proto.CliEvent;
import org.lmctfy.api.proto.CliReply;
import org.lmctfy.api.proto.CliRequest;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.HeldReply;
import org.lmctfy.api.proto.ListRequest;
import org.lmctfy.api.proto.Request;
import org.lmctfy.api.proto.Response;

/**
 * A command line served for a native client (ClientCommand) over an in-memory API, the client's side played
 * by the test: malformed and hostile requests and replies get an error and grant nothing the protocol does
 * not; what the client is asked for (a spec file, a held helper) comes back as CliEvents.
 */
@Timeout(30)
class ClientCommandTest {
  private static final Peer ROOT = new Peer(0, 0);
  /** A user with no process on this machine. */
  private static final Peer USER = new Peer(64_999, 64_999);
  private static final Frames.Progress NO_PROGRESS = Frames.Progress.NONE;

  private final InMemoryContainerApi api = new InMemoryContainerApi();
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final BlockingQueue<Response> responses = new LinkedBlockingQueue<>();
  private PipedOutputStream client;
  private Future<?> served;

  @AfterEach
  void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    threads.shutdownNow();
  }

  /** Starts serving {@code req} as the connection's first request; the test's replies go to {@code client}. */
  private void serve(Request req, Peer peer) throws IOException {
    PipedInputStream in = new PipedInputStream(1 << 16);
    client = new PipedOutputStream(in);
    Dispatcher dispatcher = new Dispatcher(api);
    served = threads.submit(() -> ClientCommand.serve(req, peer, in, NO_PROGRESS, dispatcher, responses::add, threads));
  }

  private static Request cli(long pid, boolean helper, String... args) {
    return Request.newBuilder().setId(7).setCli(CliRequest.newBuilder().addAllArg(List.of(args)).setPid(pid)
        .setExecHelper(helper)).build();
  }

  private Response next() throws InterruptedException {
    Response r = responses.poll(20, TimeUnit.SECONDS);
    assertThat(r).as("a response").isNotNull();
    return r;
  }

  private CliEvent nextEvent() throws InterruptedException {
    Response r = next();
    assertThat(r.getCode()).as(r.getMessage()).isZero();
    assertThat(r.getId()).isEqualTo(7);
    return r.getCli();
  }

  private void reply(CliReply.Builder r) throws IOException {
    Request.newBuilder().setId(7).setCliReply(r).build().writeDelimitedTo(client);
    client.flush();
  }

  /** stderr until the exit event; returns "<stderr>|<exit>". */
  private String rest() throws InterruptedException {
    StringBuilder err = new StringBuilder();
    while (true) {
      CliEvent e = nextEvent();
      if (e.hasExit()) {
        return err + "|" + e.getExit();
      }
      err.append(e.getStderr().toStringUtf8()).append(e.getStdout().toStringUtf8());
    }
  }

  @Test
  void aCommandLineWithoutThePidOrWithTooManyArgumentsIsRefused() throws Exception {
    serve(cli(0, false, "list", "containers", "/"), ROOT);
    Response r = next();
    assertThat(r.getCode()).isEqualTo(3);
    assertThat(r.getMessage()).contains("client's pid");
    served.get(10, TimeUnit.SECONDS);

    String[] many = new String[ClientCommand.MAX_ARGS + 1];
    java.util.Arrays.fill(many, "x");
    responses.clear();
    serve(cli(1, false, many), ROOT);
    assertThat(next().getMessage()).contains("arguments (at most");
  }

  @Test
  void theOutputAndExitCodeComeBackAsEvents() throws Exception {
    api.create("/a", ContainerSpec.getDefaultInstance());
    serve(cli(ProcessHandle.current().pid(), false, "list", "containers", "/"), ROOT);
    assertThat(nextEvent().getStdout().toStringUtf8()).isEqualTo("name=\"/a\"\n");
    assertThat(nextEvent().getExit()).isZero();
    responses.clear();
    serve(cli(ProcessHandle.current().pid(), false, "no-such-command"), ROOT);
    assertThat(rest()).startsWith("NOT_FOUND: Unknown command").endsWith("|5");
  }

  @Test
  void aSpecFileIsReadByTheClientNotByTheDaemon() throws Exception {
    serve(cli(ProcessHandle.current().pid(), false, "create", "-c", "/etc/shadow", "/y"), USER);
    assertThat(nextEvent().getReadInput()).isEqualTo("/etc/shadow");
    reply(CliReply.newBuilder().setInputError("Permission denied"));
    assertThat(rest()).isEqualTo("NOT_FOUND: Cannot read the spec file /etc/shadow: Permission denied\n|5");

    responses.clear();
    serve(cli(ProcessHandle.current().pid(), false, "create", "-c", "-", "/y"), ROOT);
    assertThat(nextEvent().getReadInput()).isEqualTo("-");
    reply(CliReply.newBuilder().setInput(ByteString.copyFromUtf8("memory { limit: 1000000 }")));
    assertThat(rest()).isEqualTo("|0");
    assertThat(api.get("/y").spec().getMemory().getLimit()).isEqualTo(1_000_000);
  }

  @Test
  void anythingButTheAwaitedReplyEndsTheCommandWithNothingDone() throws Exception {
    serve(cli(ProcessHandle.current().pid(), false, "create", "-c", "-", "/x"), ROOT);
    assertThat(nextEvent().getReadInput()).isEqualTo("-");
    Request.newBuilder().setId(8).setList(ListRequest.newBuilder().setName("/")).build().writeDelimitedTo(client);
    client.flush();
    Response refused = next();
    assertThat(refused.getId()).isEqualTo(8);
    assertThat(refused.getCode()).isEqualTo(3);
    assertThat(refused.getMessage()).contains("only replies");
    assertThat(rest()).startsWith("CANCELLED: ").endsWith("|1");
    assertThat(api.get("/").listSubcontainers(org.lmctfy.api.ListPolicy.SELF)).isEmpty();

    // Bytes that are no frame: one error, the command ends.
    responses.clear();
    serve(cli(ProcessHandle.current().pid(), false, "create", "-c", "-", "/x"), ROOT);
    assertThat(nextEvent().getReadInput()).isEqualTo("-");
    client.write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1});
    client.flush();
    assertThat(next().getMessage()).contains("malformed length");
    assertThat(rest()).startsWith("CANCELLED: ").endsWith("|1");
    assertThat(api.get("/").listSubcontainers(org.lmctfy.api.ListPolicy.SELF)).isEmpty();
  }

  /** A client that names another user's process as its helper: the placement is authorised as the protocol's. */
  @Test
  void aHelperPidOfAnotherUserIsNotPlaced() throws Exception {
    api.create("/mine", SpecFormat.parse("owner: 64999", ContainerSpec.newBuilder()).build());
    serve(cli(ProcessHandle.current().pid(), true, "run", "-n", "/mine", "/bin/true"), USER);
    CliEvent start = nextEvent();
    assertThat(start.getHeldStart().getArgList()).contains("--hold", "--detach", "--", "/bin/true");
    reply(CliReply.newBuilder().setHeld(HeldReply.newBuilder().setHelperPid(1)));
    assertThat(nextEvent().hasHeldGo()).isTrue();
    assertThat(rest()).startsWith("PERMISSION_DENIED: uid 64999 may not act on process 1").endsWith("|7");
    assertThat(api.get("/mine").listProcesses(org.lmctfy.api.ListPolicy.SELF)).isEmpty();
  }

  /** A command line served to its end (the previous one's events drained). */
  private String run(Peer peer, String... args) throws Exception {
    responses.clear();
    serve(cli(ProcessHandle.current().pid(), false, args), peer);
    String out = rest();
    served.get(10, TimeUnit.SECONDS);
    return out;
  }

  @Test
  void destroyWithoutForceIsRefusedForABusyContainerAndDestroysNothing() throws Exception {
    api.create("/a", ContainerSpec.getDefaultInstance());
    api.create("/a/b", ContainerSpec.getDefaultInstance());
    assertThat(run(ROOT, "destroy", "/a")).isEqualTo("FAILED_PRECONDITION: Container /a has subcontainers; use -f\n|9");
    assertThat(api.get("/a/b").name()).isEqualTo("/a/b");
    assertThat(run(ROOT, "destroy", "/a/b")).isEqualTo("|0");
    api.get("/a").enter(List.of(4242L));
    assertThat(run(ROOT, "destroy", "/a")).isEqualTo("FAILED_PRECONDITION: Container /a has processes; use -f\n|9");
    // Another user's request is authorised as a destroy before anything is looked at.
    assertThat(run(USER, "destroy", "/a")).startsWith("PERMISSION_DENIED: uid 64999 may not destroy container /a")
        .endsWith("|7");
    assertThat(run(ROOT, "destroy", "/nope")).startsWith("NOT_FOUND: ").contains("/nope").endsWith("|5");
    assertThat(api.get("/a").listThreads(org.lmctfy.api.ListPolicy.SELF)).containsExactly(4242L);
    assertThat(run(ROOT, "destroy", "-f", "/a")).isEqualTo("|0");
    assertThat(run(ROOT, "destroy", "/a")).startsWith("NOT_FOUND: ").contains("/a").endsWith("|5");
  }

  @Test
  void aForegroundRunIntoAPausedContainerIsRefusedWithNothingEntered() throws Exception {
    api.create("/p", ContainerSpec.getDefaultInstance());
    api.get("/p").pause();
    assertThat(run(ROOT, "run", "/p", "/bin/true"))
        .isEqualTo("FAILED_PRECONDITION: Container /p is paused (FROZEN): resume it before running a command\n|9");
    assertThat(api.get("/p").listThreads(org.lmctfy.api.ListPolicy.SELF)).isEmpty();
    api.get("/p").resume();
    responses.clear();
    serve(cli(ProcessHandle.current().pid(), false, "run", "/p", "/bin/true"), ROOT);
    assertThat(nextEvent().getExec().getValueList()).containsExactly("/bin/true");
    assertThat(api.get("/p").listThreads(org.lmctfy.api.ListPolicy.SELF)).contains(ProcessHandle.current().pid());
  }
}
