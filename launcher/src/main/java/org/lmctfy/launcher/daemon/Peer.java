package org.lmctfy.launcher.daemon;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/** A client's credentials, from SO_PEERCRED (the kernel's, not anything the client says). */
public record Peer(long uid, long gid) {
  public boolean root() {
    return uid == 0;
  }

  static Peer of(SocketChannel ch) throws IOException {
    UnixDomainPrincipal p = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
    return new Peer(uid(p.user()), gid(p.group()));
  }

  /** The JDK names the principal by getpwuid's name, or by the number when the uid has no name. */
  private static long uid(UserPrincipal u) throws IOException {
    String name = u.getName();
    if (name.chars().allMatch(Character::isDigit)) {
      return Long.parseLong(name);
    }
    jnr.posix.Passwd pw = Posix.get().getpwnam(name);
    if (pw == null) {
      throw new IOException("unknown peer user " + name);
    }
    return pw.getUID();
  }

  private static long gid(GroupPrincipal g) throws IOException {
    String name = g.getName();
    if (name.chars().allMatch(Character::isDigit)) {
      return Long.parseLong(name);
    }
    jnr.posix.Group gr = Posix.get().getgrnam(name);
    if (gr == null) {
      throw new IOException("unknown peer group " + name);
    }
    return gr.getGID();
  }
}
