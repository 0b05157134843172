package org.lmctfy.launcher.daemon;

import java.nio.channels.Channel;
import java.util.OptionalInt;

/**
 * The descriptor number behind a JDK socket channel, for the system calls the JDK does not make (getsockopt
 * SO_PEERCRED as numbers, epoll with EPOLLEXCLUSIVE). The number is the JDK's internal ({@code
 * sun.nio.ch.SelChImpl.getFDVal}, which its socket and server socket channels implement); bin/lmctfyd opens
 * the package for it ({@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED}). Without that (an embedding, a
 * test without the option) there is none, and the callers do without.
 */
final class ChannelFds {
  private static final java.lang.reflect.Method FD_VAL = fdVal();

  private ChannelFds() {}

  private static java.lang.reflect.Method fdVal() {
    try {
      java.lang.reflect.Method m = Class.forName("sun.nio.ch.SelChImpl").getDeclaredMethod("getFDVal");
      m.setAccessible(true); // fails unless the package is opened to this module
      return m;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** Whether descriptor numbers can be had here at all. */
  static boolean available() {
    return FD_VAL != null;
  }

  /** The channel's descriptor number, or empty when it cannot be had. */
  static OptionalInt of(Channel ch) {
    if (FD_VAL == null || !FD_VAL.getDeclaringClass().isInstance(ch)) {
      return OptionalInt.empty();
    }
    try {
      return OptionalInt.of((Integer) FD_VAL.invoke(ch));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return OptionalInt.empty();
    }
  }
}
