package org.lmctfy.launcher.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.InitSpec;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.launcher.client.RemoteApi;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** The container commands of lmctfy's tree. */
final class ContainerCommands {
  private ContainerCommands() {}

  /** The CLI's default container: the one holding its parent process (the shell), as lmctfy. */
  static String callerContainer(LmctfyCommand root) throws ContainerException {
    long parent = root.client().parentPid();
    return root.api().detect(parent);
  }

  @Command(name = "create", description = "Create a container from a spec.",
      footer = "Example: lmctfy create /job 'cpu { limit: 500 } memory { limit: 100000000 }'")
  static final class Create implements Callable<Integer> {
    @ParentCommand LmctfyCommand root;
    @Option(names = "-c", paramLabel = "FILE", description = "Read the spec from FILE (- for stdin).") String config;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Parameters(index = "1", arity = "0..1", paramLabel = "SPEC", description = "Text-format ContainerSpec.") String spec;

    @Override
    public Integer call() throws ContainerException {
      byte[] input = root.specInput(spec, config, true);
      ContainerSpec s = root.parse(input, ContainerSpec.newBuilder()).build();
      org.lmctfy.api.Container c = root.api().create(name, s);
      if (s.hasVirtualHost()) {
        root.output().add("init_pid", c.initPid()); // as lmctfy: a virtual host's init
      }
      return 0;
    }
  }

  @Command(name = "destroy", description = "Destroy a container (-f: with its subcontainers and processes).",
      footer = "Example: lmctfy destroy -f /job")
  static final class Destroy implements Callable<Integer> {
    @ParentCommand LmctfyCommand root;
    @Option(names = {"-f", "--lmctfy_force"}, description = "Kill processes and destroy subcontainers too.") boolean force;
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() throws ContainerException {
      if (root.api() instanceof RemoteApi remote) { // lmctfyd: one request, the checks made there
        remote.destroy(name, !force);
        return 0;
      }
      if (!force) {
        RemoteApi.destroyIfEmpty(root.api(), name);
        return 0;
      }
      root.api().destroy(root.api().get(name));
      return 0;
    }
  }

  @Command(name = "detect", description = "The container of a process or thread (default: the caller's shell).",
      footer = "Example: lmctfy detect 1234")
  static final class Detect implements Callable<Integer> {
    @ParentCommand LmctfyCommand root;
    @Parameters(arity = "0..1", paramLabel = "PID") Long pid;

    @Override
    public Integer call() throws ContainerException {
      long p = pid != null ? pid : root.client().parentPid();
      root.output().add("name", root.api().detect(p));
      return 0;
    }
  }

  @Command(name = "enter", description = "Move threads into a container (default: the caller's shell).",
      footer = "Example: lmctfy enter /job 1234 1235")
  static final class Enter implements Callable<Integer> {
    @ParentCommand LmctfyCommand root;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Parameters(index = "1..*", arity = "0..*", paramLabel = "TID") List<Long> tids; // null: none given

    @Override
    public Integer call() throws ContainerException {
      List<Long> t = tids == null || tids.isEmpty()
          ? List.of(root.client().parentPid()) : tids;
      root.api().get(name).enter(t);
      return 0;
    }
  }

  @Command(name = "init", description = "Prepare the machine (idempotent).", footer = "Example: lmctfy init \"\"")
  static final class Init implements Callable<Integer> {
    @ParentCommand LmctfyCommand root;
    @Option(names = "-c", paramLabel = "FILE", description = "Read the InitSpec from FILE (- for stdin).") String config;
    @Parameters(arity = "0..1", paramLabel = "SPEC", description = "Text-format InitSpec (\"\" to detect).") String spec;

    @Override
    public Integer call() throws ContainerException {
      byte[] input = root.specInput(spec, config, false);
      root.api().initMachine(root.parse(input, InitSpec.newBuilder()).build());
      return 0;
    }
  }

  @Command(name = "killall", description = "Kill every process of a container (-r: of its subtree).",
      footer = "Example: lmctfy killall -r /job")
  static final class KillAll implements Callable<Integer> {
    @ParentCommand LmctfyCommand root;
    @Option(names = {"-r", "--lmctfy_recursive"}, description = "Also the subcontainers' processes.") boolean recursive;
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() throws ContainerException {
      root.api().get(name).killAll(recursive ? ListPolicy.RECURSIVE : ListPolicy.SELF);
      return 0;
    }
  }

  @Command(name = "pause", description = "Freeze a container and its subtree.", footer = "Example: lmctfy pause /job")
  static final class Pause implements Callable<Integer> {
    @ParentCommand LmctfyCommand root;
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() throws ContainerException {
      root.api().get(name).pause();
      return 0;
    }
  }

  @Command(name = "resume", description = "Thaw a paused container.", footer = "Example: lmctfy resume /job")
  static final class Resume implements Callable<Integer> {
    @ParentCommand LmctfyCommand root;
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() throws ContainerException {
      root.api().get(name).resume();
      return 0;
    }
  }

  @Command(name = "run", description = "Run a command in a container: without -n this process becomes the"
      + " command; with -n it runs detached and its pid is printed. One argument with a space runs through"
      + " /bin/sh -c.", footer = {"Example: lmctfy run -n /job \"echo hello from a daemon\"",
          "Example: lmctfy run /job /bin/ls -l /"})
  static final class Run implements Callable<Integer> {
    @ParentCommand LmctfyCommand root;
    @Option(names = {"-n", "--lmctfy_no_wait"}, description = "Run in the background; print pid.") boolean background;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND") List<String> command;

    @Override
    public Integer call() throws ContainerException {
      // One argument with a space, or a bare name (no path), is a shell command line: "ps ax", "hostname".
      List<String> argv = command.size() == 1 && (command.get(0).contains(" ") || !command.get(0).startsWith("/"))
          ? List.of("/bin/sh", "-c", command.get(0)) : command;
      Container c = root.api().get(name);
      if (background) {
        long pid = c.run(argv, RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.DETACHED).build());
        root.output().add("pid", pid);
        return 0;
      }
      c.exec(argv); // returns only by throwing
      return 0;
    }
  }

  @Command(name = "spec", description = "Print a container's spec as the kernel holds it (text, or -b binary).",
      footer = "Example: lmctfy spec /job")
  static final class SpecCommand implements Callable<Integer> {
    @ParentCommand LmctfyCommand root;
    @Option(names = {"-b", "--lmctfy_binary"}, description = "Binary protobuf output.") boolean binary;
    @Parameters(arity = "0..1", paramLabel = "NAME") String name;

    @Override
    public Integer call() throws ContainerException, java.io.IOException {
      String n = name != null ? name : callerContainer(root);
      ContainerSpec s = root.api().get(n).spec();
      if (binary) {
        root.client().stdout().write(s.toByteArray());
        root.client().stdout().flush();
      } else {
        root.printMessage(s);
      }
      return 0;
    }
  }

  @Command(name = "version", description = "Print the version.", footer = "Example: lmctfy version")
  static final class Version implements Callable<Integer> {
    @ParentCommand LmctfyCommand root;

    @Override
    public Integer call() throws ContainerException {
      root.output().add("version", LmctfyCommand.VERSION);
      return 0;
    }
  }

  @Command(name = "completion", description = "Print a bash completion script for lmctfy.",
      footer = "Example: source <(./lmctfy completion)")
  static final class Completion implements Callable<Integer> {
    @ParentCommand LmctfyCommand root;

    @Override
    public Integer call() {
      root.out().print(picocli.AutoComplete.bash("lmctfy", root.spec.commandLine()));
      root.out().flush();
      return 0;
    }
  }
}
