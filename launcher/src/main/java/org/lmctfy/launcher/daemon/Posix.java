package org.lmctfy.launcher.daemon;

import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/** The native POSIX binding, made once (its first use loads the native library). */
public final class Posix {
  private static volatile POSIX posix;

  private Posix() {}

  public static POSIX get() {
    POSIX p = posix;
    if (p == null) {
      synchronized (Posix.class) {
        if (posix == null) {
          posix = POSIXFactory.getNativePOSIX();
        }
        p = posix;
      }
    }
    return p;
  }
}
