package org.lmctfy.launcher.cli;

import java.util.concurrent.Callable;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code lmctfy update diff|replace [-c FILE] NAME [SPEC]}. */
@Command(name = "update", description = "Change a container's resources.",
    subcommands = {UpdateCommands.Diff.class, UpdateCommands.Replace.class})
final class UpdateCommands {
  @ParentCommand LmctfyCommand root;

  abstract static class Update implements Callable<Integer> {
    @ParentCommand UpdateCommands update;
    @Option(names = "-c", paramLabel = "FILE", description = "Read the spec from FILE (- for stdin).") String config;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Parameters(index = "1", arity = "0..1", paramLabel = "SPEC") String spec;

    int apply(UpdatePolicy policy) throws ContainerException {
      LmctfyCommand root = update.root;
      byte[] input = root.specInput(spec, config, true);
      root.api().get(name).update(
          root.parse(input, ContainerSpec.newBuilder()).build(), policy);
      return 0;
    }
  }

  @Command(name = "diff", description = "Change only the fields given.",
      footer = "Example: lmctfy update diff /job 'memory { limit: 200000000 }'")
  static final class Diff extends Update {
    @Override
    public Integer call() throws ContainerException {
      return apply(UpdatePolicy.DIFF);
    }
  }

  @Command(name = "replace", description = "Replace the whole spec (every isolated resource).",
      footer = "Example: lmctfy update replace /job 'cpu { limit: 1000 } memory { limit: 100000000 }'")
  static final class Replace extends Update {
    @Override
    public Integer call() throws ContainerException {
      return apply(UpdatePolicy.REPLACE);
    }
  }
}
