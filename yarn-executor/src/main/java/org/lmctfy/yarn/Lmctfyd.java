package org.lmctfy.yarn;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.launcher.client.RemoteSession;

/**
 * The NodeManager's connection to lmctfyd: one session, opened on first use and again after the daemon went
 * away (a restarted lmctfyd is found by the next call). A call that finds no daemon fails with an
 * {@link IOException} that says where it looked and what to do; the NodeManager goes on.
 */
final class Lmctfyd implements AutoCloseable {
  /** A call on lmctfy's API. */
  @FunctionalInterface
  interface Call<T> {
    T on(ContainerApi api) throws ContainerException;
  }

  private final Path socket;
  private final Path execHelper;
  private RemoteSession session;

  Lmctfyd(Path socket, Path execHelper) {
    this.socket = socket;
    this.execHelper = execHelper;
  }

  Path socket() {
    return socket;
  }

  Path execHelper() {
    return execHelper;
  }

  /**
   * Runs {@code call} on the daemon's API; once more on a new session when the daemon went away since the last
   * call (UNAVAILABLE). Errors other than an unreachable daemon come back as thrown by lmctfy.
   *
   * @throws IOException when no lmctfyd answers on the socket
   */
  <T> T call(Call<T> call) throws IOException, ContainerException {
    for (int attempt = 0; ; attempt++) {
      ContainerApi api = api();
      try {
        return call.on(api);
      } catch (ContainerException e) {
        if (e.code() != StatusCode.UNAVAILABLE || !e.getMessage().contains("lmctfyd") || attempt > 0) {
          throw e;
        }
        drop(); // the session is broken: the next attempt connects again
      }
    }
  }

  private synchronized ContainerApi api() throws IOException {
    if (session == null) {
      Optional<RemoteSession> s;
      try {
        s = RemoteSession.connect(socket, execHelper);
      } catch (ContainerException e) {
        throw new IOException("lmctfy: cannot connect to lmctfyd at " + socket + ": " + e.getMessage(), e);
      }
      session = s.orElseThrow(() -> new IOException("lmctfy: no lmctfyd answers at " + socket + " ("
          + LmctfyContainerExecutor.SOCKET + "): start lmctfyd (bin/lmctfyd) or point the setting at its socket"));
    }
    return session.api();
  }

  private synchronized void drop() {
    if (session != null) {
      session.close();
      session = null;
    }
  }

  @Override
  public void close() {
    drop();
  }
}
