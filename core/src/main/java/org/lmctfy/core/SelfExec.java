package org.lmctfy.core;

import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;

/** execve(2) of the calling process through jnr-posix; returns only on failure. */
final class SelfExec {
  private SelfExec() {}

  static ContainerException exec(List<String> command) {
    try {
      jnr.posix.POSIX posix = jnr.posix.POSIXFactory.getNativePOSIX();
      String[] env = System.getenv().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
          .toArray(String[]::new);
      int rc = posix.execve(command.get(0), command.toArray(new String[0]), env);
      int errno = posix.errno();
      return new ContainerException(errno == 2 ? StatusCode.NOT_FOUND : errno == 13 ? StatusCode.PERMISSION_DENIED
          : StatusCode.INTERNAL, "execve " + command.get(0) + " failed (" + rc + ", errno " + errno + ")");
    } catch (NoClassDefFoundError | UnsatisfiedLinkError e) {
      return ContainerException.unavailable("Container.exec needs jnr-posix, which is not available here: " + e);
    }
  }
}
