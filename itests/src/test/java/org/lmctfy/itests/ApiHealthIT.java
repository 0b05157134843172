package org.lmctfy.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.lmctfy.itests.InFramework.api;
import static org.lmctfy.itests.InFramework.await;
import static org.lmctfy.itests.InFramework.bundle;
import static org.lmctfy.itests.InFramework.context;
import static org.lmctfy.itests.InFramework.factoryActive;
import static org.lmctfy.itests.InFramework.spec;

import java.util.Map;
import org.junit.After;
import org.junit.Assume;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.NotificationHandle;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.health.ApiHealth;
import org.lmctfy.api.health.ApiHealth.SwapWindows;
import org.lmctfy.api.proto.EventSpec;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/**
 * The core's {@link ApiHealth} service (ARCHITECTURE.md § Health) in a real Felix with the real bundles on the real
 * kernel: calls of the ContainerApi service counted by status code, notification registrations in the gauge while
 * they live, a controller bundle stopped opening a swap window and started closing it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ApiHealthIT {
  private static final String CPU = "org.lmctfy.controller.cpu";

  @Configuration
  public Option[] config() {
    return InFramework.config();
  }

  @Before
  public void setUp() throws Exception {
    Assume.assumeTrue("kernel tests need root", InFramework.root());
    InFramework.init();
  }

  @After
  public void tearDown() throws Exception {
    if (InFramework.root()) {
      Bundle cpu = bundle(CPU);
      if (cpu.getState() != Bundle.ACTIVE) {
        cpu.start();
      }
      await("cpu factory", 10_000, () -> factoryActive("cpu"));
      InFramework.cleanUp();
    }
  }

  /** The core's health service, registered by the same component as ContainerApi. */
  private static ApiHealth health() throws Exception {
    api(); // waits for the core
    ServiceReference<ApiHealth> ref = context().getServiceReference(ApiHealth.class);
    assertNotNull("an ApiHealth service beside ContainerApi", ref);
    return context().getService(ref);
  }

  private static long count(ApiHealth h, String operation, StatusCode code) {
    return h.operations().getOrDefault(operation, Map.of()).getOrDefault(code, 0L);
  }

  @Test
  public void everyCallOfTheServiceIsCountedByOperationAndCode() throws Exception {
    ContainerApi api = api();
    ApiHealth h = health();
    long invalid = count(h, "create", StatusCode.INVALID_ARGUMENT);
    long created = count(h, "create", StatusCode.OK);
    long stats = count(h, "stats", StatusCode.OK);
    long missing = count(h, "get", StatusCode.NOT_FOUND);
    try {
      api.create("/bad", spec("memory { reservation: -5 }"));
      fail("a negative reservation was accepted");
    } catch (ContainerException e) {
      assertEquals(e.getMessage(), StatusCode.INVALID_ARGUMENT, e.code());
    }
    assertEquals(invalid + 1, count(h, "create", StatusCode.INVALID_ARGUMENT));
    Container c = api.create("/h", spec("memory { limit: 67108864 }"));
    assertEquals(created + 1, count(h, "create", StatusCode.OK));
    // A container the service handed out counts its own calls.
    c.stats(StatsType.SUMMARY);
    assertEquals(stats + 1, count(h, "stats", StatusCode.OK));
    try {
      api.get("/nothing-here");
      fail("a missing container was found");
    } catch (ContainerException e) {
      assertEquals(StatusCode.NOT_FOUND, e.code());
    }
    assertEquals(missing + 1, count(h, "get", StatusCode.NOT_FOUND));
    api.destroy(c);
  }

  @Test
  public void aRegistrationIsInTheGaugeUntilUnregisteredOrDestroyed() throws Exception {
    ContainerApi api = api();
    ApiHealth h = health();
    int base = h.notificationRegistrations();
    Container c = api.create("/n", spec("memory { limit: 67108864 }"));
    EventSpec oom = SpecFormat.parse("oom {}", EventSpec.newBuilder()).build();
    NotificationHandle handle = c.registerNotification(oom, (ct, code, detail) -> { });
    assertEquals(base + 1, h.notificationRegistrations());
    c.unregisterNotification(handle);
    assertEquals(base, h.notificationRegistrations());
    c.registerNotification(oom, (ct, code, detail) -> { });
    assertEquals(base + 1, h.notificationRegistrations());
    api.destroy(c);
    assertEquals("a destroy ends its container's registrations", base, h.notificationRegistrations());
  }

  @Test
  public void stoppingAControllerOpensASwapWindowAndStartingItClosesIt() throws Exception {
    ApiHealth h = health();
    SwapWindows before = h.swapWindows().get("cpu");
    assertNotNull("cpu was active: it has a swap-window record " + h.swapWindows(), before);
    assertFalse(before.open());
    Bundle cpu = bundle(CPU);
    cpu.stop();
    assertFalse(factoryActive("cpu"));
    SwapWindows open = h.swapWindows().get("cpu");
    assertTrue(open.open());
    assertEquals(before.opened() + 1, open.opened());
    // The open window's length grows while the controller stays away: what an alert on a stuck swap watches.
    await("the open window to last 50 ms", 10_000, () -> h.swapWindows().get("cpu").openSeconds() >= 0.05);
    cpu.start();
    await("cpu factory", 10_000, () -> factoryActive("cpu"));
    SwapWindows closed = h.swapWindows().get("cpu");
    assertFalse(closed.open());
    assertEquals(0.0, closed.openSeconds(), 0.0);
    assertEquals(before.opened() + 1, closed.opened());
    assertTrue(closed + " vs " + before, closed.absentSeconds() >= before.absentSeconds() + 0.05);
  }
}
