package org.lmctfy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.health.ApiHealth.SwapWindows;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.EventSpec;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.osgi.framework.BundleContext;

/**
 * The core's {@code ApiHealth}: operations counted by status code where every client's call passes, swap windows
 * from the factories' comings and goings. No root needed: the cgroup root named does not exist.
 */
class ApiHealthTest {
  private static final BundleContext NO_FLAGS = (BundleContext) Proxy.newProxyInstance(
      ApiHealthTest.class.getClassLoader(), new Class<?>[] {BundleContext.class}, (p, m, a) -> null);

  private static ResourceHandlerFactory factory(String resource) {
    return (ResourceHandlerFactory) Proxy.newProxyInstance(ApiHealthTest.class.getClassLoader(),
        new Class<?>[] {ResourceHandlerFactory.class}, (p, m, a) -> switch (m.getName()) {
          case "resource" -> resource;
          case "toString" -> "factory of " + resource;
          case "hashCode" -> System.identityHashCode(p);
          case "equals" -> p == a[0];
          default -> throw new UnsupportedOperationException(m.getName());
        });
  }

  @Test
  void theComponentCountsEveryCallByOperationAndCode(@TempDir Path tmp) throws Exception {
    ContainerApiComponent core = new ContainerApiComponent();
    core.activate(NO_FLAGS, Map.of("cgroup.root", "/lmctfy-test-never-made", "state.dir", tmp.toString()));
    try {
      assertThat(core.operations()).isEmpty();
      assertThatThrownBy(() -> core.create("/bad name!", ContainerSpec.getDefaultInstance()))
          .isInstanceOf(ContainerException.class);
      assertThatThrownBy(() -> core.create("/ok", ContainerSpec.getDefaultInstance()))
          .isInstanceOf(ContainerException.class);
      assertThatThrownBy(() -> core.detect(-1)).isInstanceOf(ContainerException.class);
      assertThat(core.operations()).containsEntry("detect", Map.of(StatusCode.INVALID_ARGUMENT, 1L));
      assertThat(core.operations().get("create")).containsEntry(StatusCode.INVALID_ARGUMENT, 1L)
          .as("a create on a missing root fails, counted under its own code").hasSize(2);
      assertThat(core.notificationRegistrations()).isZero();
    } finally {
      core.deactivate();
    }
  }

  @Test
  void aControllerLeavingOpensASwapWindowAndItsReturnClosesIt(@TempDir Path tmp) throws Exception {
    ContainerApiComponent core = new ContainerApiComponent();
    ResourceHandlerFactory cpu = factory("cpu");
    core.bindFactory(cpu);
    core.activate(NO_FLAGS, Map.of("cgroup.root", "/lmctfy-test-never-made", "state.dir", tmp.toString()));
    try {
      assertThat(core.swapWindows()).containsExactly(Map.entry("cpu", new SwapWindows(0, false, 0, 0)));
      core.unbindFactory(cpu);
      SwapWindows open = core.swapWindows().get("cpu");
      assertThat(open.opened()).isEqualTo(1);
      assertThat(open.open()).isTrue();
      assertThat(open.openSeconds()).isEqualTo(open.absentSeconds()).isGreaterThanOrEqualTo(0);
      // An update: the new bundle's factory binds; the window closes, its length kept.
      core.bindFactory(factory("cpu"));
      SwapWindows closed = core.swapWindows().get("cpu");
      assertThat(closed.opened()).isEqualTo(1);
      assertThat(closed.open()).isFalse();
      assertThat(closed.openSeconds()).isZero();
      assertThat(closed.absentSeconds()).isGreaterThanOrEqualTo(open.absentSeconds());
    } finally {
      core.deactivate();
    }
  }

  @Test
  void swapWindowsAddUpOnTheClock() {
    AtomicLong now = new AtomicLong(1_000_000_000L);
    ControllerAbsences a = new ControllerAbsences(now::get);
    boolean[] active = {false};
    a.changed("memory", () -> active[0]);
    assertThat(a.snapshot()).as("never active: no swap to count").isEmpty();
    active[0] = true;
    a.changed("memory", () -> active[0]);
    active[0] = false;
    a.changed("memory", () -> active[0]);
    now.addAndGet(2_500_000_000L);
    assertThat(a.snapshot()).containsEntry("memory", new SwapWindows(1, true, 2.5, 2.5));
    a.changed("memory", () -> active[0]); // told again while absent: the same window
    now.addAndGet(500_000_000L);
    active[0] = true;
    a.changed("memory", () -> active[0]);
    a.changed("memory", () -> active[0]); // a second factory of the resource: nothing opens
    now.addAndGet(10_000_000_000L);
    assertThat(a.snapshot()).containsEntry("memory", new SwapWindows(1, false, 0, 3.0));
    active[0] = false;
    a.changed("memory", () -> active[0]);
    now.addAndGet(1_000_000_000L);
    assertThat(a.snapshot()).containsEntry("memory", new SwapWindows(2, true, 1.0, 4.0));
  }

  @Test
  void countedContainersCountTheirCallsAndHandOutCountedContainers() throws Exception {
    OperationCounts counts = new OperationCounts();
    List<Object> listenerSaw = new ArrayList<>();
    Container child = fakeContainer("/a/b", null);
    Container inner = fakeContainer("/a", child);
    Container a = new CountedContainer(inner, counts);

    List<Container> subs = a.listSubcontainers(ListPolicy.SELF);
    assertThat(subs).hasSize(1).allMatch(c -> c instanceof CountedContainer);
    assertThatThrownBy(() -> subs.get(0).pause()).isInstanceOf(ContainerException.class);
    assertThatThrownBy(() -> a.stats(null)).isInstanceOf(IllegalStateException.class);
    a.registerNotification(EventSpec.getDefaultInstance(), (c, code, d) -> listenerSaw.add(c));

    assertThat(counts.snapshot()).isEqualTo(Map.of(
        "list_subcontainers", Map.of(StatusCode.OK, 1L),
        "pause", Map.of(StatusCode.FAILED_PRECONDITION, 1L),
        "stats", Map.of(StatusCode.INTERNAL, 1L),
        "register_notification", Map.of(StatusCode.OK, 1L)));
    // The fake delivers one event at once, naming its own (uncounted) container: the listener gets the counted one.
    assertThat(listenerSaw).containsExactly(a);
  }

  /** A container whose pause fails FAILED_PRECONDITION, stats throws a bug, registration fires at once. */
  private static Container fakeContainer(String name, Container child) {
    return (Container) Proxy.newProxyInstance(ApiHealthTest.class.getClassLoader(), new Class<?>[] {Container.class},
        (p, m, args) -> switch (m.getName()) {
          case "name", "toString" -> name;
          case "listSubcontainers" -> child == null ? List.of() : List.of(child);
          case "pause" -> throw ContainerException.failedPrecondition(name + " cannot pause");
          case "stats" -> throw new IllegalStateException("a bug");
          case "registerNotification" -> {
            ((org.lmctfy.api.EventListener) args[1]).onEvent((Container) p, StatusCode.OK, "fired");
            yield new org.lmctfy.api.NotificationHandle(1);
          }
          default -> throw new UnsupportedOperationException(m.getName());
        });
  }
}
