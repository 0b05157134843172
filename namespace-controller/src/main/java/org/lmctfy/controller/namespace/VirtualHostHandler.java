package org.lmctfy.controller.namespace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.FilesystemSpec;
import org.lmctfy.api.proto.VirtualHostSpec;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.ProcessCapability;
import org.lmctfy.spi.ProcessStarter;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.Hierarchy;
import org.lmctfy.spi.cgroup.ProcessLeaf;

/** One virtual host: its init, found in the kernel, and the namespaces it holds. */
final class VirtualHostHandler implements ResourceHandler, ProcessCapability {
  /** The init program shipped beside the exec helper. */
  static final String INIT = "lmctfy-nsinit";

  private final ContainerContext container;
  private final VirtualHostSpec spec;
  /** The container's {@code filesystem} (its own resource, FilesystemFactory): set up by this init. */
  private final FilesystemSpec filesystem;

  VirtualHostHandler(ContainerContext container, VirtualHostSpec spec, FilesystemSpec filesystem) {
    this.container = container;
    this.spec = spec;
    this.filesystem = filesystem;
  }

  /**
   * The namespaces a virtual host has of its own: lmctfy's pid, ipc and mnt; uts with a hostname; net with a
   * network.
   */
  Set<String> namespaceTypes() {
    Set<String> out = new LinkedHashSet<>(List.of("pid", "ipc", "mnt"));
    if (spec.hasVirtualHostname()) {
      out.add("uts");
    }
    if (spec.hasNetwork()) {
      out.add("net");
    }
    return out;
  }

  @Override
  public String resource() {
    return VirtualHostFactory.RESOURCE;
  }

  @Override
  public void update(ContainerSpec s, UpdatePolicy policy) {
    // Nothing to apply: validate refuses every change of virtual_host (UNIMPLEMENTED, as in lmctfy).
  }

  @Override
  public void fillSpec(ContainerSpec.Builder out) {
    out.setVirtualHost(spec);
  }

  @Override
  public List<Path> cgroupDirs() {
    return List.of(); // namespaces, not cgroups: the init lives in the container's membership cgroup
  }

  @Override
  public void destroy() {
    // The core has killed every process of the container, the init with them: killing PID 1 of a pid
    // namespace ends the namespace (and its mounts go with the last reference).
  }

  @Override
  public void start(ProcessStarter starter) throws ContainerException {
    // The init's arguments set its namespaces up before it runs: network, then filesystem.
    List<String> argv = new ArrayList<>(List.of(starter.nativeProgram(INIT).toString()));
    if (spec.hasNetwork()) {
      argv.addAll(VirtualHostNetwork.initArguments(spec.getNetwork()));
    }
    argv.addAll(VirtualHostFilesystem.initArguments(filesystem));
    starter.start(argv, namespaceTypes(),
        spec.hasVirtualHostname() ? Optional.of(spec.getVirtualHostname()) : Optional.empty(), true);
  }

  @Override
  public Map<String, Path> namespaces() throws ContainerException {
    long init = requireInit();
    Map<String, Path> out = new LinkedHashMap<>();
    for (String type : namespaceTypes()) {
      out.put(type, Path.of("/proc", Long.toString(init), "ns", type));
    }
    return out;
  }

  @Override
  public void checkEnter(long tid) throws ContainerException {
    long init = requireInit();
    String theirs = namespaceOf(tid, "pid");
    if (theirs.equals(namespaceOf(init, "pid"))) {
      return; // already inside this virtual host
    }
    if (!theirs.equals(namespaceOf(ProcessHandle.current().pid(), "pid"))) {
      throw ContainerException.failedPrecondition("Thread " + tid + " lives in another virtual host (pid namespace "
          + theirs + "): it cannot enter " + container.name());
    }
    throw ContainerException.failedPrecondition("Thread " + tid + " runs outside virtual host " + container.name()
        + ": a running process cannot be made to join its namespaces; start it there with run or exec");
  }

  @Override
  public OptionalLong initPid() throws ContainerException {
    return OptionalLong.of(requireInit());
  }

  private long requireInit() throws ContainerException {
    OptionalLong init = findInit();
    if (init.isEmpty()) {
      throw ContainerException.failedPrecondition("The init of virtual host " + container.name() + " is gone"
          + " (killed from outside?): its namespaces are lost; destroy and re-create it");
    }
    return init.getAsLong();
  }

  /** The process of the container's membership cgroup that is PID 1 of its own pid namespace. */
  OptionalLong findInit() throws ContainerException {
    Optional<Hierarchy> t = container.tree().layout().tracking();
    if (t.isEmpty()) {
      return OptionalLong.empty();
    }
    Path dir = container.tree().dir(t.get(), container.name());
    for (long pid : ProcessLeaf.processes(dir)) { // the init is in the container's process leaf on cgroup2
      if (innermostPidIsOne(pid)) {
        return OptionalLong.of(pid);
      }
    }
    return OptionalLong.empty();
  }

  /**
   * Whether {@code pid} is PID 1 of its own pid namespace: the last field of its status's "NSpid:" line (the
   * pids from the outermost namespace to its own) is 1 and there are at least two. Scans bytes: this is on
   * every run's path.
   */
  static boolean innermostPidIsOne(long pid) {
    byte[] status;
    try {
      status = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "status"));
    } catch (IOException e) {
      return false; // exited meanwhile
    }
    byte[] key = {'\n', 'N', 'S', 'p', 'i', 'd', ':'};
    outer:
    for (int i = 0; i + key.length <= status.length; i++) {
      for (int k = 0; k < key.length; k++) {
        if (status[i + k] != key[k]) {
          continue outer;
        }
      }
      int end = i + key.length;
      while (end < status.length && status[end] != '\n') {
        end++;
      }
      String[] ids = new String(status, i + key.length, end - i - key.length,
          java.nio.charset.StandardCharsets.US_ASCII).trim().split("\\s+");
      return ids.length >= 2 && ids[ids.length - 1].equals("1");
    }
    return false;
  }

  private static String namespaceOf(long pid, String type) throws ContainerException {
    try {
      return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", type)).toString();
    } catch (IOException e) {
      throw ContainerException.notFound("No such process or thread: " + pid);
    }
  }
}
