package org.lmctfy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.InitSpec;
import org.lmctfy.core.testing.FakeMachine;
import org.lmctfy.core.testing.TestCgroupFactory;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.ProcessCapability;
import org.lmctfy.spi.ProcessStarter;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.SpecOperation;
import org.lmctfy.spi.cgroup.LayoutKind;

/**
 * A resource that shapes processes (a virtual host's namespaces) whose controller comes and goes while its
 * container is used: every call that asks what a process of the container joins either gets the resource's
 * answer or is refused UNAVAILABLE, never an answer without the resource (a process started with none of its
 * namespaces, or the machine's init as the container's). Calls race the registry's changes, as in a hot-swap.
 */
class ProcessShapingSwapFakeTreeTest {
  @TempDir Path tmp;

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void whileItsControllerComesAndGoesACallGetsTheResourcesAnswerOrUnavailable() throws Exception {
    FactoryRegistry factories = new FactoryRegistry();
    Shaper shaper = new Shaper();
    factories.add(shaper);
    ContainerApiImpl api = new ContainerApiImpl(FakeMachine.layout(LayoutKind.V2, tmp.resolve("cgroup")), "/",
        tmp.resolve("state"), factories);
    api.initMachine(InitSpec.getDefaultInstance());
    Container vh = api.create("/vh", ContainerSpec.getDefaultInstance());
    assertThat(vh.initPid()).isEqualTo(Shaper.INIT);

    AtomicBoolean stop = new AtomicBoolean();
    Thread swapper = new Thread(() -> {
      while (!stop.get()) {
        factories.remove(shaper);
        factories.add(shaper);
      }
    }, "swapper");
    ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
    int answered = 0;
    int refused = 0;
    swapper.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      while (System.nanoTime() < deadline && wrong.isEmpty()) {
        try {
          long init = vh.initPid();
          if (init == Shaper.INIT) {
            answered++;
          } else {
            wrong.add("initPid " + init + " (the resource was not asked)");
          }
        } catch (ContainerException e) {
          if (e.code() == StatusCode.UNAVAILABLE && e.getMessage().contains(Shaper.RESOURCE)) {
            refused++;
          } else {
            wrong.add(e.code() + ": " + e.getMessage());
          }
        }
      }
    } finally {
      stop.set(true);
      swapper.join(10_000);
    }
    assertThat(wrong).as("after %d answered, %d refused", answered, refused).isEmpty();
    assertThat(answered).isPositive();
    assertThat(refused).isPositive();
  }

  /** A process-shaping resource (cgroups as a test resource's) whose init is a fixed pid. */
  private static final class Shaper implements ResourceHandlerFactory {
    static final String RESOURCE = "shaper";
    static final long INIT = 4242;
    private final TestCgroupFactory cgroups = new TestCgroupFactory(RESOURCE, "cpu", s -> true);

    @Override
    public String resource() {
      return RESOURCE;
    }

    @Override
    public boolean isMentioned(ContainerSpec spec) {
      return true;
    }

    @Override
    public void validate(ContainerContext container, ContainerSpec spec, SpecOperation operation)
        throws ContainerException {
      cgroups.validate(container, spec, operation);
    }

    @Override
    public ResourceHandler create(ContainerContext container, ContainerSpec spec) throws ContainerException {
      return new Handler(cgroups.create(container, spec));
    }

    @Override
    public Optional<ResourceHandler> attach(ContainerContext container) throws ContainerException {
      return cgroups.attach(container).map(Handler::new);
    }

    private record Handler(ResourceHandler cgroup) implements ResourceHandler, ProcessCapability {
      @Override
      public String resource() {
        return RESOURCE;
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
      public void start(ProcessStarter starter) {}

      @Override
      public Map<String, Path> namespaces() {
        return Map.of("pid", Path.of("/proc/" + INIT + "/ns/pid"));
      }

      @Override
      public void checkEnter(long tid) {}

      @Override
      public OptionalLong initPid() {
        return OptionalLong.of(INIT);
      }
    }
  }
}
