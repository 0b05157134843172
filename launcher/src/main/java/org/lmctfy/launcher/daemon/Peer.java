package org.lmctfy.launcher.daemon;

import java.io.File;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/** A client's credentials, from SO_PEERCRED (the kernel's, not anything the client says). */
public record Peer(long uid, long gid) {
  public boolean root() {
    return uid == 0;
  }

  static Peer of(SocketChannel ch) throws IOException {
    Peer numeric = Numeric.of(ch);
    return numeric != null ? numeric : named(ch);
  }

  /** By the JDK's SO_PEERCRED option, which names the user and group (turned back into numbers here). */
  static Peer named(SocketChannel ch) throws IOException {
    UnixDomainPrincipal p = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
    return new Peer(USERS.id(p.user().getName()), GROUPS.id(p.group().getName()));
  }

  /**
   * SO_PEERCRED's numbers as the kernel gives them, by getsockopt(2) on the connection's descriptor: the JDK's
   * option answers names, for which it reads /etc/passwd and /etc/group through NSS on every connection
   * (about fifteen system calls, and the names are then turned back into numbers). The descriptor's number
   * is the JDK's internal; bin/lmctfyd opens the package for it ({@code --add-opens
   * java.base/sun.nio.ch=ALL-UNNAMED}); without that (an embedding, a test) the JDK's option is used.
   */
  static final class Numeric {
    private Numeric() {}

    /** getsockopt(2), bound by jnr-ffi (jnr-posix's binding has none). */
    public interface Sockets {
      int getsockopt(int fd, int level, int optname, @jnr.ffi.annotations.Out int[] optval,
          @jnr.ffi.annotations.In @jnr.ffi.annotations.Out int[] optlen);
    }

    private static final int SOL_SOCKET = 1;
    private static final int SO_PEERCRED = 17;
    private static final Sockets SOCKETS = ChannelFds.available() ? sockets() : null;

    private static Sockets sockets() {
      try {
        return jnr.ffi.LibraryLoader.create(Sockets.class).load("c");
      } catch (LinkageError | RuntimeException e) {
        return null;
      }
    }

    /** The peer's credentials, or null when this way is not open here. */
    static Peer of(SocketChannel ch) {
      java.util.OptionalInt descriptor = SOCKETS == null ? java.util.OptionalInt.empty() : ChannelFds.of(ch);
      if (descriptor.isEmpty()) {
        return null;
      }
      int fd = descriptor.getAsInt();
      int[] ucred = new int[3]; // struct ucred: pid, uid, gid (a direct buffer per connection cost more)
      int[] len = {12};
      if (SOCKETS.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ucred, len) != 0 || len[0] != 12) {
        return null;
      }
      return new Peer(Integer.toUnsignedLong(ucred[1]), Integer.toUnsignedLong(ucred[2]));
    }
  }

  private static final Ids USERS = new Ids(new File("/etc/passwd"), "user");
  private static final Ids GROUPS = new Ids(new File("/etc/group"), "group");

  /**
   * The JDK names the peer's uid and gid by getpwuid/getgrgid (or by the number when it has no name); this
   * turns the name back into the number. A connection's look-up read the databases again for every command
   * line; an answer is kept while the file it comes from is unchanged (its modification time and size,
   * checked on every look-up: an edited /etc/passwd is never answered from an older copy), and at most 10 s
   * (for names that NSS finds elsewhere).
   */
  private static final class Ids {
    private final File source;
    private final String what;
    /** Names that come from elsewhere (LDAP, sssd through NSS) are looked up again after this long. */
    private static final long TTL_NANOS = 10_000_000_000L;
    /** name -> (the source's stamp when it was looked up, the id, when it was looked up). */
    private final Map<String, long[]> known = new ConcurrentHashMap<>();

    Ids(File source, String what) {
      this.source = source;
      this.what = what;
    }

    long id(String name) throws IOException {
      if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
        return Long.parseLong(name);
      }
      long stamp = source.lastModified() * 31 + source.length();
      long[] k = known.get(name);
      long now = System.nanoTime();
      if (k != null && k[0] == stamp && stamp != 0 && now - k[2] < TTL_NANOS) {
        return k[1];
      }
      if (known.size() > 4096) {
        known.clear();
      }
      long id = lookUp(name);
      known.put(name, new long[] {stamp, id, now});
      return id;
    }

    private long lookUp(String name) throws IOException {
      if (what.equals("user")) {
        jnr.posix.Passwd pw = Posix.get().getpwnam(name);
        if (pw == null) {
          throw new IOException("unknown peer user " + name);
        }
        return pw.getUID();
      }
      jnr.posix.Group gr = Posix.get().getgrnam(name);
      if (gr == null) {
        throw new IOException("unknown peer group " + name);
      }
      return gr.getGID();
    }
  }
}
