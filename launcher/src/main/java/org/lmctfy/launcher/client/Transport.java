package org.lmctfy.launcher.client;

import java.util.function.Consumer;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.Request;
import org.lmctfy.api.proto.Response;

/** Where {@link RemoteApi}'s requests go: lmctfyd's socket, or (in lmctfyd) its own dispatcher for a peer. */
public interface Transport {
  /** Sends a request and waits for its response; a non-OK code becomes a ContainerException. */
  Response call(Request.Builder req) throws ContainerException;

  /** Sends a streaming request (notify): the first response is returned, later ones go to {@code events}. */
  Response stream(Request.Builder req, Consumer<Response> events) throws ContainerException;

  /** Stops routing events of the stream {@code id}. */
  void endStream(long id);

  /**
   * Whether the daemon that serves the requests is this very code (lmctfyd's own dispatcher, for a native
   * client's command line), so that it knows every request this version sends. Over the socket the daemon may
   * be older: a request it does not know is refused, but a field it does not know would be ignored.
   */
  default boolean sameVersion() {
    return false;
  }

  /** {@code r}, or its non-OK code and message as a ContainerException (an unknown code as UNKNOWN). */
  static Response check(Response r) throws ContainerException {
    if (r.getCode() != 0) {
      StatusCode code = StatusCode.forNumber(r.getCode());
      throw new ContainerException(code == null ? StatusCode.UNKNOWN : code, r.getMessage());
    }
    return r;
  }
}
