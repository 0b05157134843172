package org.lmctfy.launcher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerTest {
  /** The numbers by getsockopt (surefire opens sun.nio.ch as bin/lmctfyd does) equal the JDK's named answer. */
  @Test
  void theNumericCredentialsAreTheJdksAndAreUsedWhereTheDescriptorIsReachable(@TempDir Path dir) throws Exception {
    UnixDomainSocketAddress at = UnixDomainSocketAddress.of(dir.resolve("n"));
    Peer me = new Peer(Posix.get().getuid(), Posix.get().getgid());
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(at);
      try (SocketChannel client = SocketChannel.open(at); SocketChannel accepted = server.accept()) {
        assertThat(Peer.Numeric.of(accepted)).as("getsockopt(SO_PEERCRED) reachable under this test's JVM options")
            .isEqualTo(me);
        assertThat(Peer.named(accepted)).isEqualTo(me);
      }
    }
  }

  @Test
  void theKernelsCredentialsOfTheClientEveryTime(@TempDir Path dir) throws Exception {
    UnixDomainSocketAddress at = UnixDomainSocketAddress.of(dir.resolve("s"));
    Peer me = new Peer(Posix.get().getuid(), Posix.get().getgid());
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(at);
      // Twice: the second answer comes from the names kept from the first look-up.
      for (int i = 0; i < 2; i++) {
        try (SocketChannel client = SocketChannel.open(at); SocketChannel accepted = server.accept()) {
          assertThat(Peer.of(accepted)).isEqualTo(me);
          assertThat(Peer.of(client)).isEqualTo(me);
        }
      }
    }
  }
}
