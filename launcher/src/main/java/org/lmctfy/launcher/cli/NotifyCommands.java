package org.lmctfy.launcher.cli;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.EventSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code lmctfy notify memory oom|threshold} and {@code notify container empty}: wait for the first event
 * (print {@code notification_status}, exit with it), or with -f print every event until interrupted.
 */
@Command(name = "notify", description = "Wait for container events.",
    subcommands = {NotifyCommands.Memory.class, NotifyCommands.ContainerEvents.class})
final class NotifyCommands {
  @ParentCommand LmctfyCommand root;

  static int await(LmctfyCommand root, String name, EventSpec spec, boolean follow)
      throws ContainerException, InterruptedException {
    Container c = root.api().get(name);
    record Event(StatusCode code, String detail) {}
    BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    c.registerNotification(spec, (container, code, detail) -> events.add(new Event(code, detail)));
    // A client of lmctfyd interrupted (Ctrl-C): stop waiting; the registration ends with the command.
    root.client().onGone(() -> events.add(new Event(StatusCode.CANCELLED, "the client went away")));
    if (spec.hasContainerEmpty() && c.listProcesses(ListPolicy.RECURSIVE).isEmpty()) {
      // Already empty (its last process may have exited before we registered): that is the event; waiting
      // for a transition that already happened would never end.
      events.add(new Event(StatusCode.OK, "container empty"));
    }
    Output out = root.output();
    while (true) {
      Event e = events.take();
      out.add("notification_status", e.code().number());
      if (follow) {
        out.add("notification_detail", e.detail());
      }
      if (!follow || e.code() != StatusCode.OK) {
        return e.code().number();
      }
    }
  }

  @Command(name = "memory", description = "Memory events.", subcommands = {Oom.class, Threshold.class})
  static final class Memory {
    @ParentCommand NotifyCommands notify;
  }

  @Command(name = "oom", description = "An OOM kill in the container.", footer = "Example: lmctfy notify memory oom /job")
  static final class Oom implements Callable<Integer> {
    @ParentCommand Memory memory;
    @Option(names = "-f", description = "Follow: print every event until interrupted.") boolean follow;
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() throws Exception {
      return await(memory.notify.root, name, EventSpec.newBuilder().setOom(EventSpec.Oom.getDefaultInstance()).build(),
          follow);
    }
  }

  @Command(name = "threshold", description = "Memory usage crossing BYTES.",
      footer = "Example: lmctfy notify memory threshold /job 33554432")
  static final class Threshold implements Callable<Integer> {
    @ParentCommand Memory memory;
    @Option(names = "-f", description = "Follow: print every event until interrupted.") boolean follow;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Parameters(index = "1", paramLabel = "BYTES") long bytes;

    @Override
    public Integer call() throws Exception {
      return await(memory.notify.root, name, EventSpec.newBuilder()
          .setMemoryThreshold(EventSpec.MemoryThreshold.newBuilder().setUsage(bytes)).build(), follow);
    }
  }

  @Command(name = "container", description = "Container events.", subcommands = {Empty.class})
  static final class ContainerEvents {
    @ParentCommand NotifyCommands notify;
  }

  @Command(name = "empty", description = "The last process of the container exited (at once when it has none).",
      footer = "Example: lmctfy notify container empty /job")
  static final class Empty implements Callable<Integer> {
    @ParentCommand ContainerEvents container;
    @Option(names = "-f", description = "Follow: print every event until interrupted.") boolean follow;
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() throws Exception {
      return await(container.notify.root, name, EventSpec.newBuilder()
          .setContainerEmpty(EventSpec.ContainerEmpty.getDefaultInstance()).build(), follow);
    }
  }
}
