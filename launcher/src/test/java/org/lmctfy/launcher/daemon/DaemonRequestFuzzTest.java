package org.lmctfy.launcher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.Request;
import org.lmctfy.api.proto.Response;

/**
 * Fuzz test of what lmctfyd does with a client's bytes, without a socket or a kernel: frames are read and
 * decoded into requests as a connection does, and each request is served by the dispatcher over an in-memory
 * API, alternately for root and for an ordinary user (by the parity of the request id). Every request gets
 * exactly one response with its id and a status code (never INTERNAL, which is what an unexpected exception
 * becomes); a bad frame or an undecodable message ends the stream with one INVALID_ARGUMENT; the ordinary
 * user succeeds only where an owner or owner_group grants it. Regression inputs:
 * {@code DaemonRequestFuzzTestInputs/<method>/}; README, "Fuzzing", says how to fuzz.
 */
class DaemonRequestFuzzTest {
  private static final Peer ROOT = new Peer(0, 0);
  /** A user with no process on this machine (so every tid it names is another user's or none). */
  private static final Peer USER = new Peer(64_999, 64_999);

  private static final Frames.Progress NO_PROGRESS = Frames.Progress.NONE;

  @FuzzTest
  @Timeout(10)
  void anyBytesGetOneResponsePerRequestOrOneError(byte[] input) throws IOException {
    InputStream in = new FramesFuzzTest.ShortReads(new ByteArrayInputStream(input), 64);
    InMemoryContainerApi api = new InMemoryContainerApi();
    Dispatcher dispatcher = new Dispatcher(api);
    Map<Long, Dispatcher.Registration> registrations = new HashMap<>();
    List<Response> events = new ArrayList<>();
    List<Long> notifications = new ArrayList<>();
    while (true) {
      Request req;
      try {
        req = Frames.readRequest(in, NO_PROGRESS);
      } catch (ContainerException e) {
        assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT);
        assertThat(e.getMessage()).startsWith("lmctfyd: ");
        break;
      }
      if (req == null) {
        break;
      }
      Peer peer = req.getId() % 2 == 0 ? ROOT : USER;
      boolean granted = peer.root() || granted(api, req);
      Response r = dispatcher.serve(req, peer, registrations, events::add);

      assertThat(r.getId()).isEqualTo(req.getId());
      StatusCode code = StatusCode.forNumber(r.getCode());
      assertThat(code.number()).as("code of %s", r).isEqualTo(r.getCode());
      assertThat(code).as("an unexpected exception serving %s: %s", req, r.getMessage())
          .isNotIn(StatusCode.INTERNAL, StatusCode.UNKNOWN);
      if (code == StatusCode.OK) {
        if (req.hasNotify()) {
          notifications.add(req.getId());
        }
        assertThat(r.getMessage()).isEmpty();
        assertThat(granted).as("uid %d allowed to %s", peer.uid(), req).isTrue();
      } else {
        assertThat(r.getMessage()).isNotBlank();
        assertThat(r.getResultCase()).isEqualTo(Response.ResultCase.RESULT_NOT_SET);
      }
      // The response goes back in a frame the client accepts.
      assertThat(r.getSerializedSize()).isLessThanOrEqualTo(Frames.MAX_FRAME);
    }
    for (Response e : events) {
      assertThat(e.hasEvent()).isTrue();
      assertThat(notifications).as("event %s of a registered notification", e).contains(e.getId());
    }
    Dispatcher.cancelAll(registrations);
    assertThat(registrations).isEmpty();
  }

  /**
   * Whether the ordinary user may make this request, decided independently of the dispatcher: requests on
   * a container need an owner or owner_group of it or an ancestor (of the parent, to create); init, run and
   * any request naming a thread (none is the user's) never pass; asking for types and cancelling always do.
   */
  private static boolean granted(InMemoryContainerApi api, Request req) {
    return switch (req.getCallCase()) {
      case TYPES, CANCEL -> true;
      case INIT, RUN, DETECT, CALL_NOT_SET -> false;
      case CLI, CLI_REPLY -> false; // served by the connection (ClientCommand), never by the dispatcher
      case CREATE -> owned(api, req.getCreate().getName(), true);
      case ENTER -> req.getEnter().getTidCount() == 0 && owned(api, req.getEnter().getName(), false);
      case DESTROY -> owned(api, req.getDestroy().getName(), false);
      case DESTROY_IF_EMPTY -> owned(api, req.getDestroyIfEmpty().getName(), false);
      case EXISTS -> owned(api, req.getExists().getName(), false);
      case UPDATE -> owned(api, req.getUpdate().getName(), false);
      case SPEC -> owned(api, req.getSpec().getName(), false);
      case INIT_PID -> owned(api, req.getInitPid().getName(), false);
      case PAUSE_STATE -> owned(api, req.getPauseState().getName(), false);
      case LIST -> owned(api, req.getList().getName(), false);
      case PAUSE -> owned(api, req.getPause().getName(), false);
      case RESUME -> owned(api, req.getResume().getName(), false);
      case STATS -> owned(api, req.getStats().getName(), false);
      case KILL_ALL -> owned(api, req.getKillAll().getName(), false);
      case NOTIFY -> owned(api, req.getNotify().getName(), false);
    };
  }

  private static boolean owned(InMemoryContainerApi api, String name, boolean parent) {
    ContainerName n;
    try {
      n = ContainerName.of(name);
    } catch (ContainerException e) {
      return false;
    }
    for (ContainerName c = parent ? n.parent() : n; !c.isRoot(); c = c.parent()) {
      try {
        ContainerSpec spec = api.get(c.toString()).spec();
        if ((spec.hasOwner() && spec.getOwner() == USER.uid())
            || (spec.hasOwnerGroup() && spec.getOwnerGroup() == USER.gid())) {
          return true;
        }
      } catch (ContainerException e) {
        // not there: its ancestors may still grant it
      }
    }
    return false;
  }
}
