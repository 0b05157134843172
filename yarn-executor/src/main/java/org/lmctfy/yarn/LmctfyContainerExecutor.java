package org.lmctfy.yarn;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.util.Shell.CommandExecutor;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ContainerExitStatus;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.exceptions.ConfigurationException;
import org.apache.hadoop.yarn.server.nodemanager.Context;
import org.apache.hadoop.yarn.server.nodemanager.DefaultContainerExecutor;
import org.apache.hadoop.yarn.server.nodemanager.containermanager.container.Container;
import org.apache.hadoop.yarn.server.nodemanager.containermanager.container.ContainerDiagnosticsUpdateEvent;
import org.apache.hadoop.yarn.server.nodemanager.executor.ContainerLivenessContext;
import org.apache.hadoop.yarn.server.nodemanager.executor.ContainerReacquisitionContext;
import org.apache.hadoop.yarn.server.nodemanager.executor.ContainerReapContext;
import org.apache.hadoop.yarn.server.nodemanager.executor.ContainerSignalContext;
import org.apache.hadoop.yarn.server.nodemanager.executor.ContainerStartContext;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.ContainerSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * YARN's container executor on lmctfy ({@code yarn.nodemanager.container-executor.class}): every YARN container
 * runs in an lmctfy container {@code /yarn/<application>/<container>} ({@link YarnContainerNames}) that lmctfyd
 * creates with the container's ask as limits ({@link YarnResources}) and destroys when the container's launch
 * script ends, with whatever processes it left. Everything else (localization, work and log directories,
 * tokens, launch and wrapper scripts, pid and exit-code files, signals by process group) is
 * {@link DefaultContainerExecutor}'s, so applications see no difference; only the way the wrapper script
 * starts changes ({@link LmctfyLaunch}). The NodeManager needs no setuid binary; containers run as the
 * NodeManager's user, as with the default executor.
 */
public class LmctfyContainerExecutor extends DefaultContainerExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(LmctfyContainerExecutor.class);

  static final String PREFIX = "yarn.nodemanager.lmctfy.";
  /** lmctfyd's socket. */
  public static final String SOCKET = PREFIX + "socket";
  public static final String DEFAULT_SOCKET = "/run/lmctfy/lmctfy.sock";
  /** The distribution's {@code libexec/lmctfy-exec}: starts each launch script held until lmctfyd placed it. */
  public static final String EXEC_HELPER = PREFIX + "exec-helper";
  public static final String DEFAULT_EXEC_HELPER = "/opt/lmctfy/libexec/lmctfy-exec";
  /** The lmctfy container of every application's containers (created empty when missing). */
  public static final String PARENT = PREFIX + "parent";
  public static final String DEFAULT_PARENT = "/yarn";

  private Lmctfyd lmctfyd;
  private YarnContainerNames names;
  private YarnResources resources;
  /** Containers whose launch script runs here (their lmctfy container goes when it ends). */
  private final Map<String, org.lmctfy.api.Container> launched = new ConcurrentHashMap<>();
  /** One lock per application: creating a YARN container against destroying the application's container. */
  private final Map<ApplicationId, Object> applicationLocks = new ConcurrentHashMap<>();

  @Override
  public void init(Context nmContext) throws IOException {
    super.init(nmContext);
    Configuration conf = getConf();
    refuseUnsupported(conf);
    Path helper = Path.of(conf.getTrimmed(EXEC_HELPER, DEFAULT_EXEC_HELPER));
    if (!Files.isExecutable(helper)) {
      throw new IOException("lmctfy: no exec helper at " + helper + " (" + EXEC_HELPER
          + "): set it to libexec/lmctfy-exec of lmctfy's distribution");
    }
    try {
      names = new YarnContainerNames(conf.getTrimmed(PARENT, DEFAULT_PARENT));
      resources = YarnResources.from(conf);
    } catch (IllegalArgumentException e) {
      throw new IOException("lmctfy: " + e.getMessage() + " (" + PARENT + ")", e);
    }
    lmctfyd = new Lmctfyd(Path.of(conf.getTrimmed(SOCKET, DEFAULT_SOCKET)), helper);
    LOG.info("YARN containers run in lmctfy containers {}/<application>/<container> through lmctfyd at {} ({})",
        names.parent(), lmctfyd.socket(), resources);
  }

  /** YARN features this executor does not offer, named, rather than silently ignored. */
  static void refuseUnsupported(Configuration conf) throws IOException {
    if (conf.getBoolean(YarnConfiguration.NM_ELASTIC_MEMORY_CONTROL_ENABLED,
        YarnConfiguration.DEFAULT_NM_ELASTIC_MEMORY_CONTROL_ENABLED)) {
      throw new IOException("lmctfy: " + YarnConfiguration.NM_ELASTIC_MEMORY_CONTROL_ENABLED
          + " (YARN's elastic memory control, an OOM handler over one cgroup of all containers) is not"
          + " supported by " + LmctfyContainerExecutor.class.getSimpleName() + ": every container has its own"
          + " hard limit; turn it off");
    }
  }

  @Override
  public void stop() {
    if (lmctfyd != null) {
      lmctfyd.close();
    }
    super.stop();
  }

  @Override
  public int launchContainer(ContainerStartContext ctx) throws IOException, ConfigurationException {
    Container container = ctx.getContainer();
    ContainerId id = container.getContainerId();
    launched.put(id.toString(), create(id, container.getResource()));
    try {
      return super.launchContainer(ctx);
    } finally {
      launched.remove(id.toString());
      destroy(id);
    }
  }

  /** The default executor's command, started by {@link LmctfyLaunch} inside the container made for it. */
  @Override
  protected CommandExecutor buildCommandExecutor(String wrapperScriptPath, String containerIdStr, String user,
      org.apache.hadoop.fs.Path pidFile, Resource resource, File workDir, Map<String, String> environment,
      String[] numaCommands) {
    org.lmctfy.api.Container target = launched.get(containerIdStr);
    if (target == null) {
      throw new IllegalStateException("lmctfy: no lmctfy container was made for " + containerIdStr);
    }
    List<String> command = new ArrayList<>();
    if (numaCommands != null) {
      command.addAll(Arrays.asList(numaCommands));
    }
    command.addAll(Arrays.asList(getRunCommand(wrapperScriptPath, containerIdStr, user, pidFile, getConf(),
        resource)));
    LOG.info("launchContainer in lmctfy container {}: {}", target.name(), command);
    return new LmctfyLaunch(lmctfyd, target, command, environment, workDir,
        resource == null ? 0 : resource.getMemorySize());
  }

  /** Creates the container of a YARN container (and its application's and the parent when missing). */
  org.lmctfy.api.Container create(ContainerId id, Resource ask) throws IOException {
    String name = names.container(id);
    ContainerSpec spec;
    try {
      spec = resources.spec(ask);
    } catch (IllegalArgumentException e) {
      throw new IOException("lmctfy: " + e.getMessage() + " (" + id + ")", e);
    }
    ApplicationId app = id.getApplicationAttemptId().getApplicationId();
    synchronized (applicationLock(app)) {
      try {
        ensure(names.parent(), resources.parent());
        ensure(names.application(app), YarnResources.holder(spec.getCpu().getLimit()));
        org.lmctfy.api.Container created;
        try {
          created = lmctfyd.call(api -> api.create(name, spec));
        } catch (ContainerException e) {
          if (e.code() != StatusCode.ALREADY_EXISTS) {
            throw e;
          }
          // Left by a launch this NodeManager did not finish (it died): its processes are not this launch's.
          LOG.warn("lmctfy container {} exists from an earlier launch: destroying it first", name);
          lmctfyd.call(api -> {
            api.destroy(api.get(name));
            return null;
          });
          created = lmctfyd.call(api -> api.create(name, spec));
        }
        reweigh(names.application(app));
        return created;
      } catch (ContainerException e) {
        throw new IOException("lmctfy: cannot create container " + name + " for YARN container " + id + " with "
            + ask + ": " + e.code() + ": " + e.getMessage(), e);
      }
    }
  }

  /** An application's cpu weight: the sum of its containers' (see {@link YarnResources#holder}). */
  private void reweigh(String application) throws IOException, ContainerException {
    lmctfyd.call(api -> {
      org.lmctfy.api.Container a = api.get(application);
      long milliCpus = 0;
      for (org.lmctfy.api.Container c : a.listSubcontainers(ListPolicy.SELF)) {
        milliCpus += c.spec().getCpu().getLimit();
      }
      a.update(YarnResources.holder(milliCpus), org.lmctfy.api.UpdatePolicy.DIFF);
      return null;
    });
  }

  /** Creates a holder container when missing (an operator's own, e.g. a /yarn with a limit, is kept). */
  private void ensure(String name, ContainerSpec spec) throws IOException, ContainerException {
    try {
      lmctfyd.call(api -> api.get(name));
    } catch (ContainerException e) {
      if (e.code() != StatusCode.NOT_FOUND) {
        throw e;
      }
      try {
        lmctfyd.call(api -> api.create(name, spec));
      } catch (ContainerException raced) {
        if (raced.code() != StatusCode.ALREADY_EXISTS) {
          throw raced;
        }
      }
    }
  }

  /**
   * Destroys a YARN container's lmctfy container, killing whatever is left in it, and its application's
   * container with its last YARN container. Failures are logged: the container has ended either way.
   */
  void destroy(ContainerId id) {
    ApplicationId app = id.getApplicationAttemptId().getApplicationId();
    String name = names.container(id);
    String appName = names.application(app);
    synchronized (applicationLock(app)) {
      try {
        boolean empty = lmctfyd.call(api -> {
          destroyIfPresent(api, name);
          try {
            if (api.get(appName).listSubcontainers(ListPolicy.SELF).isEmpty()) {
              destroyIfPresent(api, appName);
              return true;
            }
            return false;
          } catch (ContainerException e) {
            if (e.code() != StatusCode.NOT_FOUND) {
              throw e;
            }
            return true;
          }
        });
        if (!empty) {
          reweigh(appName);
        }
      } catch (IOException | ContainerException e) {
        LOG.warn("lmctfy: cannot destroy container {} of YARN container {}: {}", name, id, e.getMessage());
      }
    }
  }

  private static void destroyIfPresent(org.lmctfy.api.ContainerApi api, String name) throws ContainerException {
    try {
      api.destroy(api.get(name));
    } catch (ContainerException e) {
      if (e.code() != StatusCode.NOT_FOUND) {
        throw e;
      }
    }
  }

  private Object applicationLock(ApplicationId app) {
    return applicationLocks.computeIfAbsent(app, a -> new Object());
  }

  /**
   * The default executor's signal to the container's process group; a KILL also kills every process of the
   * lmctfy container, those that left the group (setsid, daemons) included.
   */
  @Override
  public boolean signalContainer(ContainerSignalContext ctx) throws IOException {
    boolean sent = super.signalContainer(ctx);
    if (ctx.getSignal() == Signal.KILL && ctx.getContainer() != null) {
      String name = names.container(ctx.getContainer().getContainerId());
      try {
        lmctfyd.call(api -> {
          api.get(name).killAll(ListPolicy.RECURSIVE);
          return null;
        });
        return true;
      } catch (ContainerException e) {
        if (e.code() != StatusCode.NOT_FOUND) {
          throw new IOException("lmctfy: cannot kill the processes of " + name + ": " + e.getMessage(), e);
        }
      }
    }
    return sent;
  }

  /** Alive while its lmctfy container holds a process; the pid's liveness where lmctfy has no container. */
  @Override
  public boolean isContainerAlive(ContainerLivenessContext ctx) throws IOException {
    if (ctx.getContainer() != null) {
      String name = names.container(ctx.getContainer().getContainerId());
      try {
        return !lmctfyd.call(api -> api.get(name).listProcesses(ListPolicy.RECURSIVE)).isEmpty();
      } catch (ContainerException e) {
        if (e.code() != StatusCode.NOT_FOUND) {
          throw new IOException("lmctfy: cannot list the processes of " + name + ": " + e.getMessage(), e);
        }
      }
    }
    return super.isContainerAlive(ctx);
  }

  /**
   * After a NodeManager restart: waits as the default executor does (liveness above, then the exit-code file),
   * tells an OOM kill apart as a launch does, and destroys the container.
   */
  @Override
  public int reacquireContainer(ContainerReacquisitionContext ctx) throws IOException, InterruptedException {
    ContainerId id = ctx.getContainerId();
    try {
      int exitCode = super.reacquireContainer(ctx);
      Container container = ctx.getContainer();
      if (exitCode != 0 && container != null) {
        String name = names.container(id);
        Optional<String> oom;
        try {
          oom = OomDiagnosis.of(name, exitCode, lmctfyd.call(api -> api.get(name).stats(StatsType.SUMMARY))
              .getMemory(), container.getResource().getMemorySize());
        } catch (ContainerException e) {
          oom = Optional.empty();
        }
        if (oom.isPresent()) {
          container.handle(new ContainerDiagnosticsUpdateEvent(id, oom.get()));
          return ContainerExitStatus.KILLED_EXCEEDED_PMEM;
        }
      }
      return exitCode;
    } finally {
      destroy(id);
    }
  }

  /**
   * After YARN's cleanup signalled the container: a container whose launch runs here goes when its script
   * ends (after the grace period between TERM and KILL); any other (reacquired, or a launch that died) now.
   */
  @Override
  public boolean reapContainer(ContainerReapContext ctx) {
    ContainerId id = ctx.getContainer().getContainerId();
    if (!launched.containsKey(id.toString())) {
      destroy(id);
    }
    return true;
  }

  /** YARN's pause (opportunistic containers): lmctfy's freezer. */
  @Override
  public void pauseContainer(Container container) {
    freeze(container, true);
  }

  @Override
  public void resumeContainer(Container container) {
    freeze(container, false);
  }

  private void freeze(Container container, boolean pause) {
    String name = names.container(container.getContainerId());
    try {
      lmctfyd.call(api -> {
        org.lmctfy.api.Container c = api.get(name);
        if (pause) {
          c.pause();
        } else {
          c.resume();
        }
        return null;
      });
    } catch (IOException | ContainerException e) {
      throw new IllegalStateException("lmctfy: cannot " + (pause ? "pause " : "resume ") + name + ": "
          + e.getMessage(), e);
    }
  }
}
