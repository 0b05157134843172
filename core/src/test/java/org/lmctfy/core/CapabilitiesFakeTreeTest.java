package org.lmctfy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lmctfy.core.testing.Specs.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.EventSpec;
import org.lmctfy.api.proto.InitSpec;
import org.lmctfy.core.testing.FakeMachine;
import org.lmctfy.core.testing.TestCgroupFactory;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.FreezerCapability;
import org.lmctfy.spi.PauseStateCapability;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.SpecOperation;
import org.lmctfy.spi.cgroup.LayoutKind;

/**
 * The core finds what a resource can do by its capabilities, never by its name: a pausing resource named
 * anything pauses, refuses a run while paused, and is UNAVAILABLE while its bundle is away; an event no active
 * resource serves is UNAVAILABLE while the resource lmctfy's API names for it is away, else INVALID_ARGUMENT.
 */
class CapabilitiesFakeTreeTest {
  @TempDir Path tmp;

  private FactoryRegistry factories;
  private ContainerApiImpl api;
  private TestCgroupFactory memory;
  private Stopper stopper;

  private void setUp(LayoutKind kind) throws Exception {
    factories = new FactoryRegistry();
    memory = TestCgroupFactory.forField("memory", "memory");
    stopper = new Stopper(new TestCgroupFactory("stopper", "cpu", s -> true));
    factories.add(memory);
    factories.add(stopper);
    api = new ContainerApiImpl(FakeMachine.layout(kind, tmp.resolve("cgroup")), "/", tmp.resolve("state"),
        factories);
    api.initMachine(InitSpec.getDefaultInstance());
  }

  @ParameterizedTest
  @EnumSource(names = {"V1", "V2"})
  void aPausingResourceIsFoundByItsCapabilityWhateverItsName(LayoutKind kind) throws Exception {
    setUp(kind);
    Container a = api.create("/a", ContainerSpec.getDefaultInstance());
    Container b = api.create("/a/b", ContainerSpec.getDefaultInstance());
    a.pause();
    assertThat(stopper.paused).containsExactly(ContainerName.of("/a"));
    // /a/b, paused through /a, is refused too: its own handler reports the ancestor's pause.
    for (Container c : List.of(a, b)) {
      assertThatThrownBy(() -> c.run(List.of("/bin/true"), null)).isInstanceOfSatisfying(ContainerException.class,
          e -> {
            assertThat(e.code()).isEqualTo(StatusCode.FAILED_PRECONDITION);
            assertThat(e.getMessage()).isEqualTo("Container " + c.name()
                + " is paused (STOPPED by /a): resume it before running a command");
          });
    }
    // Container.pauseState answers the same, from the same handlers (what a client asks before entering itself).
    assertThat(a.pauseState()).contains("STOPPED by /a");
    assertThat(b.pauseState()).contains("STOPPED by /a");
    // enterToExec (a process that execs next) is refused the same way, and nothing is moved.
    Process sleeper = new ProcessBuilder("sleep", "30").start();
    try {
      long pid = sleeper.pid();
      assertThatThrownBy(() -> b.enterToExec(List.of(pid))).isInstanceOfSatisfying(ContainerException.class, e -> {
        assertThat(e.code()).isEqualTo(StatusCode.FAILED_PRECONDITION);
        assertThat(e.getMessage()).isEqualTo("Container /a/b is paused (STOPPED by /a): resume it before running a"
            + " command");
      });
      assertThat(b.listThreads(ListPolicy.SELF)).doesNotContain(pid);
      a.resume();
      assertThat(stopper.paused).isEmpty();
      assertThat(a.pauseState()).isEmpty();
      assertThat(b.pauseState()).isEmpty();
      // (Entering once resumed writes the cgroups' process files, which this fake tree has not: CliKernelIT's
      // foreground runs go this way on the kernel.)
    } finally {
      sleeper.destroyForcibly().waitFor();
    }

    // Its bundle away: pause and resume are UNAVAILABLE, naming it.
    factories.remove(stopper);
    assertThatThrownBy(a::pause).isInstanceOfSatisfying(ContainerException.class, e -> {
      assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
      assertThat(e.getMessage()).contains("/a").contains("resource stopper of it has no active controller");
    });
    factories.add(stopper);
    a.pause();
    a.resume();

    // A container that isolates nothing that can pause (the stopper absent when it was made, then forgotten).
    factories.remove(stopper);
    api.initMachine(InitSpec.getDefaultInstance());
    Container plain = api.create("/plain", spec("memory { limit: 1 }"));
    factories.add(stopper);
    assertThatThrownBy(plain::pause).isInstanceOfSatisfying(ContainerException.class, e -> {
      assertThat(e.code()).isEqualTo(StatusCode.FAILED_PRECONDITION);
      assertThat(e.getMessage()).isEqualTo("Container /plain isolates no resource that can pause it"
          + " (its resources: [memory])");
    });
  }

  @ParameterizedTest
  @EnumSource(names = {"V1", "V2"})
  void anEventNoActiveResourceServesGetsAPreciseCode(LayoutKind kind) throws Exception {
    setUp(kind);
    Container c = api.create("/e", spec("memory { limit: 1 }"));
    EventSpec oom = EventSpec.newBuilder().setOom(EventSpec.Oom.getDefaultInstance()).build();
    // The memory resource is active but serves no events (a test stand-in): the spec is at fault.
    assertThatThrownBy(() -> c.registerNotification(oom, (x, code, d) -> { }))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT))
        .hasMessageContaining("No resource of /e serves the event");
    factories.remove(memory);
    assertThatThrownBy(() -> c.registerNotification(oom, (x, code, d) -> { }))
        .isInstanceOfSatisfying(ContainerException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE))
        .hasMessage("The event oom needs the memory resource, whose controller is not active (bundle missing or"
            + " stopped)");
    EventSpec two = oom.toBuilder().setContainerEmpty(EventSpec.ContainerEmpty.getDefaultInstance()).build();
    assertThatThrownBy(() -> c.registerNotification(two, (x, code, d) -> { }))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT))
        .hasMessage("An EventSpec names exactly one event (oom, memory_threshold or container_empty); this one"
            + " names 2");
  }

  /** A resource of another name that pauses: its pause held in memory, which tests only need to observe. */
  private static final class Stopper implements ResourceHandlerFactory {
    private final TestCgroupFactory cgroups;
    final Set<ContainerName> paused = ConcurrentHashMap.newKeySet();

    Stopper(TestCgroupFactory cgroups) {
      this.cgroups = cgroups;
    }

    @Override
    public String resource() {
      return cgroups.resource();
    }

    @Override
    public boolean isMentioned(ContainerSpec spec) {
      return cgroups.isMentioned(spec);
    }

    @Override
    public void validate(ContainerContext container, ContainerSpec spec, SpecOperation operation)
        throws ContainerException {
      cgroups.validate(container, spec, operation);
    }

    @Override
    public ResourceHandler create(ContainerContext container, ContainerSpec spec) throws ContainerException {
      return new Handler(container.name(), cgroups.create(container, spec));
    }

    @Override
    public Optional<ResourceHandler> attach(ContainerContext container) throws ContainerException {
      return cgroups.attach(container).map(h -> new Handler(container.name(), h));
    }

    private final class Handler implements ResourceHandler, FreezerCapability, PauseStateCapability {
      private final ContainerName name;
      private final ResourceHandler cgroup;

      Handler(ContainerName name, ResourceHandler cgroup) {
        this.name = name;
        this.cgroup = cgroup;
      }

      @Override
      public String resource() {
        return cgroup.resource();
      }

      @Override
      public void update(ContainerSpec spec, UpdatePolicy policy) throws ContainerException {
        cgroup.update(spec, policy);
      }

      @Override
      public void fillSpec(ContainerSpec.Builder spec) {}

      @Override
      public List<Path> cgroupDirs() {
        return cgroup.cgroupDirs();
      }

      @Override
      public void destroy() throws ContainerException {
        cgroup.destroy();
      }

      @Override
      public void freeze() {
        paused.add(name);
      }

      @Override
      public void thaw() {
        paused.remove(name);
      }

      @Override
      public Optional<String> pausedState() {
        for (ContainerName at = name; ; at = at.parent()) {
          if (paused.contains(at)) {
            return Optional.of("STOPPED by " + at);
          }
          if (at.isRoot()) {
            return Optional.empty();
          }
        }
      }

      @Override
      public boolean holdsKilledProcesses() {
        return paused.contains(name);
      }
    }
  }
}
