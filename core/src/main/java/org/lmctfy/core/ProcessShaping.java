package org.lmctfy.core;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedMap;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.proto.ResourceRecord;
import org.lmctfy.spi.ProcessCapability;
import org.lmctfy.spi.ProcessStarter;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.ResourceHandlerFactory;

/**
 * The resources that shape processes (SPI {@link ProcessCapability}: a virtual host's namespaces), as the core
 * uses them without knowing which they are: started at create, asked what a process started in a container
 * joins, whether a thread may enter, and which process is the init. For every such resource the nearest
 * container (the container or an ancestor) that isolates it answers, as for cgroups (attach-to-parent).
 */
final class ProcessShaping {
  private ProcessShaping() {}

  /** After every resource of a new container exists: each capability starts what it holds. */
  static void start(ContainerApiImpl api, ContainerName n, List<ResourceHandler> created) throws ContainerException {
    ProcessStarter starter = null;
    for (ResourceHandler h : created) {
      if (h instanceof ProcessCapability) {
        if (starter == null) {
          starter = new Starter(api, n);
        }
        try {
          ((ProcessCapability) h).start(starter);
        } catch (ContainerException e) {
          throw e.withContext("Container " + n + ", resource " + h.resource());
        }
      }
    }
  }

  /** The capabilities that apply to processes of {@code n}; UNAVAILABLE when one's controller is away. */
  static List<ProcessCapability> of(ContainerApiImpl api, ContainerName n) throws ContainerException {
    // One snapshot answers both which controllers are absent and which capabilities apply: read twice, a
    // controller leaving in between (a swap) would pass the check yet not be asked, and a process would start
    // with none of its namespaces.
    SortedMap<String, ResourceHandlerFactory> active = api.factories().active();
    refuseAbsent(api, n, active.keySet());
    List<ProcessCapability> out = new ArrayList<>();
    for (ResourceHandlerFactory f : active.values()) {
      for (ContainerName at = n; ; at = at.parent()) {
        Optional<ResourceHandler> h = f.attach(api.context(at));
        if (h.isPresent()) {
          if (h.get() instanceof ProcessCapability) {
            out.add((ProcessCapability) h.get());
          }
          break;
        }
        if (at.isRoot()) {
          break;
        }
      }
    }
    return out;
  }

  /** Namespaces a process started in {@code n} joins (type to file). */
  static Map<String, Path> namespaces(ContainerApiImpl api, ContainerName n) throws ContainerException {
    Map<String, Path> out = new LinkedHashMap<>();
    for (ProcessCapability c : of(api, n)) {
      out.putAll(c.namespaces());
    }
    return out;
  }

  static void checkEnter(ContainerApiImpl api, ContainerName n, List<Long> tids) throws ContainerException {
    List<ProcessCapability> caps = of(api, n);
    for (long tid : tids) {
      for (ProcessCapability c : caps) {
        c.checkEnter(tid);
      }
    }
  }

  /** The container's init: the first capability's that holds one, else 1 (the machine's, as in lmctfy). */
  static long initPid(ContainerApiImpl api, ContainerName n) throws ContainerException {
    for (ProcessCapability c : of(api, n)) {
      OptionalLong pid = c.initPid();
      if (pid.isPresent()) {
        return pid.getAsLong();
      }
    }
    return 1;
  }

  /**
   * A process must never start outside the namespaces of its container: while the controller of a
   * process-shaping resource of {@code n} or an ancestor is away (a hot-swap), nothing starts or enters.
   */
  private static void refuseAbsent(ContainerApiImpl api, ContainerName n, Set<String> active)
      throws ContainerException {
    for (ContainerName at = n; !at.isRoot(); at = at.parent()) {
      Optional<ResourceRecord> rr = api.absentController(at, true, active::contains);
      if (rr.isPresent()) {
        String r = rr.get().getResource();
        throw ContainerException.unavailable("Container " + at + " isolates " + r + ", whose controller is not"
            + " active (bundle missing or stopped): a process would run outside its " + r + "; retry when it is back");
      }
    }
  }

  /** Starts a process into the new container's cgroups (tracking and every resource's) in new namespaces. */
  private record Starter(ContainerApiImpl api, ContainerName n) implements ProcessStarter {
    @Override
    public long start(List<String> argv, Set<String> unshare, Optional<String> hostname, boolean mountProc)
        throws ContainerException {
      List<Path> dirs = new ContainerImpl(api, n).placementDirs();
      Path spawn = unshare.contains("pid") ? api.spawnSocket(n) : null; // its init then starts n's commands
      if (spawn != null) {
        InitSpawn.prepare(spawn);
      }
      return api.execHelper().startInit(dirs, argv, unshare, hostname, mountProc, spawn);
    }

    @Override
    public Path nativeProgram(String name) throws ContainerException {
      return api.execHelper().program(name);
    }
  }
}
