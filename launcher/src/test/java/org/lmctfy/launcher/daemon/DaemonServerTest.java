package org.lmctfy.launcher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.proto.NameRequest;
import org.lmctfy.api.proto.Request;
import org.lmctfy.api.proto.Response;

/**
 * lmctfyd's serving threads, both ways (wake-one, where each connection is served by the thread its arrival
 * woke, and the JDK's accept with a hand-off): connections held open by clients that send nothing do not
 * keep others from being served, many clients at once are all answered, and closing ends every thread and
 * descriptor the server made.
 */
class DaemonServerTest {
  private static final String THREAD = "lmctfyd-connection";

  @ParameterizedTest(name = "wake-one {0}")
  @ValueSource(booleans = {true, false})
  @Timeout(60)
  void servesEveryoneWhileConnectionsAreHeldAndClosesEverything(boolean wakeOne, @TempDir Path dir)
      throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    long pollsBefore = anonymous("eventpoll");
    long eventfdsBefore = anonymous("eventfd");
    InMemoryContainerApi memory = new InMemoryContainerApi();
    Dispatcher.Api api = new Dispatcher.Api() {
      @Override
      public ContainerApi api() {
        return memory;
      }

      @Override
      public List<com.google.protobuf.Descriptors.Descriptor> extensionTypes() {
        return List.of();
      }
    };
    Path sock = dir.resolve("sock");
    DaemonServer server = new DaemonServer(sock, "0600", null, api, wakeOne);
    List<SocketChannel> held = new ArrayList<>();
    ExecutorService clients = Executors.newFixedThreadPool(8);
    try {
      server.start();
      // Wake-one is what bin/lmctfyd runs (it opens sun.nio.ch, as this module's tests do).
      assertThat(server.servesWhereWoken()).isEqualTo(wakeOne);
      for (int i = 0; i < 20; i++) {
        SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(sock));
        held.add(c); // connected, sends nothing: a thread waits on it
      }
      List<Future<Integer>> answered = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int client = t;
        answered.add(clients.submit(() -> {
          int n = 0;
          for (int i = 0; i < 50; i++) {
            long id = client * 1000L + i + 1;
            if (ask(sock, id).getId() == id) {
              n++;
            }
          }
          return n;
        }));
      }
      for (Future<Integer> f : answered) {
        assertThat(f.get()).isEqualTo(50);
      }
      // A held connection is still served when it speaks.
      SocketChannel first = held.get(0);
      Frames.write(Frames.output(first), exists(7));
      assertThat(Response.parseDelimitedFrom(Frames.input(first)).getId()).isEqualTo(7);
      if (wakeOne) {
        assertThat(anonymous("eventpoll")).isGreaterThan(pollsBefore); // threads wait in epoll sets
      }
    } finally {
      clients.shutdownNow();
      server.close();
      for (SocketChannel c : held) {
        c.close();
      }
    }
    assertThat(Files.exists(sock)).isFalse();
    long deadline = System.nanoTime() + 10_000_000_000L;
    List<Thread> left;
    do {
      left = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.isAlive() && t.getName().equals(THREAD) && !before.contains(t))
          .collect(Collectors.toList());
      if (left.isEmpty() && anonymous("eventpoll") == pollsBefore && anonymous("eventfd") == eventfdsBefore) {
        break;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    assertThat(left).as("serving threads still alive after close").isEmpty();
    assertThat(anonymous("eventpoll")).as("epoll sets left open").isEqualTo(pollsBefore);
    assertThat(anonymous("eventfd")).as("eventfds left open").isEqualTo(eventfdsBefore);
  }

  private static Request exists(long id) {
    return Request.newBuilder().setId(id).setExists(NameRequest.newBuilder().setName("/")).build();
  }

  private static Response ask(Path sock, long id) throws IOException {
    try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
      Frames.write(Frames.output(c), exists(id));
      InputStream in = Frames.input(c);
      return Response.parseDelimitedFrom(in);
    }
  }

  /** This process's descriptors of an anonymous inode kind ("eventpoll", "eventfd"). */
  private static long anonymous(String kind) throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.filter(fd -> {
        try {
          return Files.readSymbolicLink(fd).toString().equals("anon_inode:[" + kind + "]");
        } catch (IOException e) {
          return false; // closed meanwhile (the listing's own descriptor)
        }
      }).count();
    }
  }
}
