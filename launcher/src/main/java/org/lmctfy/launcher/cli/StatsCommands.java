package org.lmctfy.launcher.cli;

import java.util.concurrent.Callable;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.proto.ContainerStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code lmctfy stats summary|full [-b] [NAME]}: raw text (or binary) ContainerStats. */
@Command(name = "stats", description = "Print a container's statistics.",
    subcommands = {StatsCommands.Summary.class, StatsCommands.Full.class})
final class StatsCommands {
  @ParentCommand LmctfyCommand root;

  abstract static class Stats implements Callable<Integer> {
    @ParentCommand StatsCommands stats;
    @Option(names = {"-b", "--lmctfy_binary"}, description = "Binary protobuf output.") boolean binary;
    @Parameters(arity = "0..1", paramLabel = "NAME") String name;

    int print(StatsType type) throws ContainerException, java.io.IOException {
      LmctfyCommand root = stats.root;
      ContainerStats s = root.api().get(name != null ? name : ContainerCommands.callerContainer(root)).stats(type);
      if (binary) {
        root.client().stdout().write(s.toByteArray());
        root.client().stdout().flush();
      } else {
        root.printMessage(s);
      }
      return 0;
    }
  }

  @Command(name = "summary", description = "Usage, limits, state.", footer = "Example: lmctfy stats summary /job")
  static final class Summary extends Stats {
    @Override
    public Integer call() throws Exception {
      return print(StatsType.SUMMARY);
    }
  }

  @Command(name = "full", description = "Everything, throttling included.", footer = "Example: lmctfy stats full /job")
  static final class Full extends Stats {
    @Override
    public Integer call() throws Exception {
      return print(StatsType.FULL);
    }
  }
}
