package org.lmctfy.launcher.cli;

import java.util.concurrent.Callable;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code lmctfy list containers|pids|tids [-r] [NAME]}. */
@Command(name = "list", description = "List subcontainers, processes or threads.",
    subcommands = {ListCommands.Containers.class, ListCommands.Pids.class, ListCommands.Tids.class})
final class ListCommands {
  @ParentCommand LmctfyCommand root;

  abstract static class Listing implements Callable<Integer> {
    @ParentCommand ListCommands list;
    @Option(names = {"-r", "--lmctfy_recursive"}, description = "The whole subtree.") boolean recursive;
    @Parameters(arity = "0..1", paramLabel = "NAME", description = "Default: the caller's container.") String name;

    Container container() throws ContainerException {
      return list.root.api().get(name != null ? name : ContainerCommands.callerContainer(list.root));
    }

    ListPolicy policy() {
      return recursive ? ListPolicy.RECURSIVE : ListPolicy.SELF;
    }
  }

  @Command(name = "containers", description = "Subcontainers, one name per line.",
      footer = "Example: lmctfy list containers -r /")
  static final class Containers extends Listing {
    @Override
    public Integer call() throws ContainerException {
      Output out = list.root.output();
      for (Container c : container().listSubcontainers(policy())) {
        out.add("name", c.name());
      }
      return 0;
    }
  }

  @Command(name = "pids", description = "Processes.", footer = "Example: lmctfy list pids -r /job")
  static final class Pids extends Listing {
    @Override
    public Integer call() throws ContainerException {
      Output out = list.root.output();
      container().listProcesses(policy()).forEach(id -> out.add("pid", id));
      return 0;
    }
  }

  @Command(name = "tids", description = "Threads.", footer = "Example: lmctfy list tids /job")
  static final class Tids extends Listing {
    @Override
    public Integer call() throws ContainerException {
      Output out = list.root.output();
      container().listThreads(policy()).forEach(id -> out.add("tid", id));
      return 0;
    }
  }
}
