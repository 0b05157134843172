package org.lmctfy.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.spi.cgroup.KernelErrors;
import org.lmctfy.spi.exec.HelperServer;
import org.lmctfy.spi.exec.NamespaceType;
import org.lmctfy.spi.exec.Namespaces;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Starts commands through the native helper {@code lmctfy-exec} (native/), which joins the container's
 * cgroups before it execs, so the command never runs outside (ARCHITECTURE.md § Starting processes). The helper ships inside the
 * native jar and is extracted once into the state directory. Commands start through one {@link HelperServer}
 * (a long-lived helper that forks a helper per command: no JVM spawn per command); lmctfy's client, which
 * starts a held helper of its own, uses {@code HelperProcess} directly.
 */
final class ExecHelper {
  static final String DIR = "/org/lmctfy/nativehelper/";
  static final String RESOURCE = DIR + "lmctfy-exec";
  /** The init program shipped beside the helper, also built into it (lmctfy-exec --init). */
  static final String NSINIT = "lmctfy-nsinit";

  private final Path stateDir;
  private volatile Path binary;
  private HelperServer server;

  ExecHelper(Path stateDir) {
    this.stateDir = stateDir;
  }

  /** Uses an installed helper (a distribution's {@code libexec/lmctfy-exec}) instead of the class path's. */
  ExecHelper(Path stateDir, Path installed) {
    this.stateDir = stateDir;
    this.binary = installed;
  }

  /** The helper binary: the installed one, else extracted from the class path into {@code <state>/bin}. */
  Path binary() throws ContainerException {
    Path b = binary;
    if (b != null) {
      return b;
    }
    binary = extract("lmctfy-exec");
    return binary;
  }

  /**
   * A native program shipped beside the helper (e.g. {@code lmctfy-nsinit}): next to an installed helper
   * (the distribution's libexec/), else extracted from the native jar.
   */
  Path program(String name) throws ContainerException {
    if (!name.matches("lmctfy-[a-z]+")) {
      throw ContainerException.invalidArgument("No native program " + name);
    }
    Path p = extracted.get(name); // once found, kept: this is on every virtual host's create
    if (p != null) {
      return p;
    }
    Path b = binary;
    p = b != null && Files.isExecutable(b.resolveSibling(name)) ? b.resolveSibling(name) : extract(name);
    extracted.put(name, p);
    return p;
  }

  private final java.util.concurrent.ConcurrentHashMap<String, Path> extracted =
      new java.util.concurrent.ConcurrentHashMap<>();

  private synchronized Path extract(String name) throws ContainerException {
    String resource = DIR + name;
    try (InputStream in = ExecHelper.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw ContainerException.failedPrecondition("The native program " + resource + " is not on the class"
            + " path (the native bundle is missing)");
      }
      byte[] bytes = in.readAllBytes();
      Path dir = Files.createDirectories(stateDir.resolve("bin"));
      Path target = dir.resolve(name + "-" + Integer.toHexString(Arrays.hashCode(bytes)));
      if (!Files.isExecutable(target) || Files.size(target) != bytes.length) {
        Path tmp = Files.createTempFile(dir, name, ".tmp");
        Files.write(tmp, bytes);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
      return target;
    } catch (IOException e) {
      throw KernelErrors.map(e, "extract " + name + " into " + stateDir.resolve("bin"));
    }
  }

  /**
   * Starts {@code command} inside {@code cgroupDirs}; returns its pid once it runs (execve succeeded).
   * The server validates the command first.
   */
  long start(List<Path> cgroupDirs, List<String> command, RunSpec spec, Map<String, String> environment,
      Path workingDirectory) throws ContainerException {
    return start(cgroupDirs, Namespaces.NONE, command, spec, environment, workingDirectory);
  }

  long start(List<Path> cgroupDirs, Namespaces namespaces, List<String> command, RunSpec spec,
      Map<String, String> environment, Path workingDirectory) throws ContainerException {
    return server().start(cgroupDirs, namespaces, command, spec, environment, workingDirectory);
  }

  /** The helper server (one per API instance), made on first use: a fork per command, not a JVM spawn. */
  private synchronized HelperServer server() throws ContainerException {
    if (server == null) {
      server = new HelperServer(binary());
    }
    return server;
  }

  /** Ends the helper server before this process execs another program (it must not inherit it). */
  synchronized void shutdownServer() {
    if (server != null) {
      server.shutdown();
    }
  }

  /** Ends the helper server for good (the API is closing); commands it started go on. */
  synchronized void close() {
    if (server != null) {
      server.close();
    }
  }

  /**
   * A container's init: detached, in new namespaces (names as the kernel's: pid, ipc, mnt, uts, ...). When
   * {@code argv} starts with the shipped {@code lmctfy-nsinit}, the helper runs that init's code built into it
   * ({@code --init}): the same program, without an exec; the rest of {@code argv} are its setup options.
   */
  long startInit(List<Path> cgroupDirs, List<String> argv, Set<String> unshare, Optional<String> hostname,
      boolean mountProc, Path spawn) throws ContainerException {
    Set<NamespaceType> types = EnumSet.noneOf(NamespaceType.class);
    for (String u : unshare) {
      types.add(NamespaceType.valueOf(u.toUpperCase(Locale.ROOT)));
    }
    Namespaces ns = Namespaces.creating(types, hostname.orElse(null), mountProc);
    if (!argv.isEmpty() && types.contains(NamespaceType.PID) && argv.get(0).equals(program(NSINIT).toString())) {
      // lmctfy-nsinit's arguments are the setup of its namespaces (network, filesystem), done in PID 1; with
      // --spawn the init also starts the container's own commands (InitSpawn)
      List<String> setup = new java.util.ArrayList<>(argv.subList(1, argv.size()));
      if (spawn != null) {
        setup.add("--spawn");
        setup.add(spawn.toString());
      }
      return server().startInit(cgroupDirs, ns, setup);
    }
    return server().start(cgroupDirs, ns, argv, RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.DETACHED)
        .build(), null, null);
  }

  /**
   * The argument vector that execs {@code command} after joining {@code join} (Container.exec of a virtual
   * host: the calling process, already in the container's cgroups, becomes the helper, which joins them).
   */
  List<String> execVector(Map<String, Path> join, List<String> command) throws ContainerException {
    List<String> argv = new java.util.ArrayList<>(List.of(binary().toString()));
    argv.addAll(joining(join).helperArguments());
    argv.add("--");
    argv.addAll(command);
    return argv;
  }

  static Namespaces joining(Map<String, Path> join) {
    if (join.isEmpty()) {
      return Namespaces.NONE;
    }
    Map<NamespaceType, Path> out = new java.util.EnumMap<>(NamespaceType.class);
    join.forEach((type, file) -> out.put(NamespaceType.valueOf(type.toUpperCase(Locale.ROOT)), file));
    return new Namespaces(out, Set.of(), null, false);
  }
}
