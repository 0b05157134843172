package org.lmctfy.controller.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.lmctfy.core.testing.Specs.spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.core.testing.Workload;
import org.lmctfy.spi.cgroup.CgroupLayout;
import org.lmctfy.spi.cgroup.Hierarchy;

/**
 * Device rules on the real kernel (root only), through the API's {@code run}. "layout": the hierarchy the layout
 * gives (v1 devices on a v1 or hybrid host, a device program on pure cgroup2); "programs": cgroup2 device
 * programs on the cgroup2 mount even on a hybrid host (the kernel checks both there).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeviceKernelTest {
  private static final RunSpec DETACHED = RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.DETACHED).build();
  private static final String DENY_URANDOM_READ =
      "device { restrictions_set { restrictions { permission: DENY type: DEVICE_CHAR access: READ major: 1 minor: 9 } } }";
  private static final String ALLOW_URANDOM_READ =
      "device { restrictions_set { restrictions { permission: ALLOW type: DEVICE_CHAR access: READ major: 1 minor: 9 } } }";

  private KernelRoot k;
  private DeviceFactory factory;
  private Path tmp;

  private void start(String mode) throws Exception {
    KernelRoot.assumeKernel();
    CgroupLayout layout = CgroupLayout.detect();
    factory = mode.equals("programs") ? new DeviceFactory(true) : new DeviceFactory();
    assumeTrue(!factory.hierarchies(layout).isEmpty(), "no devices hierarchy and no cgroup2 mount");
    tmp = Files.createTempDirectory("lmctfy-test-devices");
    k = new KernelRoot(factory);
  }

  private Hierarchy hierarchy() {
    return factory.hierarchies(k.layout).get(0);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (k != null) {
      k.finish();
    }
    if (tmp != null) {
      try (Stream<Path> s = Files.walk(tmp)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Runs a shell script in the container through the API; its output (stdout and stderr) and exit status. */
  private String sh(Container c, String script) throws Exception {
    Path out = tmp.resolve("out-" + System.nanoTime());
    Path done = Path.of(out + ".done");
    long pid = c.run(List.of("/bin/sh", "-c", "(" + script + ") >" + out + " 2>&1; echo \"rc=$?\" >>" + out
        + "; touch " + done), DETACHED);
    Workload.awaitExit(pid, 30);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Files.exists(done) && System.nanoTime() < deadline) {
      Thread.sleep(10); // bounded poll for the file the command writes last
    }
    return Files.readString(out).strip();
  }

  @ParameterizedTest
  @ValueSource(strings = {"layout", "programs"})
  void aDeniedReadFailsAndAnUpdateAllowsItAgain(String mode) throws Exception {
    start(mode);
    Container c = k.api.create("/dev", spec(DENY_URANDOM_READ));
    assertThat(sh(c, "head -c1 /dev/urandom >/dev/null")).contains("Operation not permitted").endsWith("rc=1");
    assertThat(sh(c, "echo hi >/dev/null && head -c1 /dev/zero | wc -c")).isEqualTo("1\nrc=0");
    assertThat(sh(c, "echo x >/dev/urandom")).as("write still allowed").endsWith("rc=0");
    assertThat(c.spec().getDevice().getRestrictionsSet().getRestrictionsList()).anySatisfy(r ->
        assertThat(r.toString()).contains("DENY").contains("major: 1").contains("minor: 9"));

    c.update(spec(ALLOW_URANDOM_READ), UpdatePolicy.DIFF);
    assertThat(sh(c, "head -c1 /dev/urandom | wc -c")).isEqualTo("1\nrc=0");

    c.update(spec(DENY_URANDOM_READ), UpdatePolicy.REPLACE);
    assertThat(sh(c, "head -c1 /dev/urandom >/dev/null")).contains("Operation not permitted");
    if (hierarchy().unified()) {
      assertThat(programs(c).count()).as("one program, replaced in place").isEqualTo(1);
    }
  }

  /** runc's default devices allowed, everything else denied; mknod of a denied device fails. */
  @ParameterizedTest
  @ValueSource(strings = {"layout", "programs"})
  void denyAllThenTheStandardDevicesBehavesAsRuncsDefault(String mode) throws Exception {
    start(mode);
    StringBuilder s = new StringBuilder("device { restrictions_set { restrictions { permission: DENY type: DEVICE_ALL"
        + " access: READ access: WRITE access: MKNOD }");
    for (String mm : List.of("major: 1 minor: 3", "major: 1 minor: 5", "major: 1 minor: 7", "major: 1 minor: 8",
        "major: 1 minor: 9", "major: 5 minor: 0", "major: 5 minor: 2", "major: 136")) {
      s.append(" restrictions { permission: ALLOW type: DEVICE_CHAR access: READ access: WRITE access: MKNOD ")
          .append(mm).append(" }");
    }
    Container c = k.api.create("/std", spec(s.append(" } }").toString()));
    assertThat(sh(c, "head -c1 /dev/zero | wc -c; head -c1 /dev/urandom | wc -c; head -c1 /dev/random | wc -c;"
        + " echo x >/dev/null; echo x >/dev/full; true")).startsWith("1\n1\n1\n")
        .doesNotContain("Operation not permitted").endsWith("rc=0"); // /dev/full opens, then fails its write
    // A node of a device outside the list (1:11, /dev/kmsg), made outside the container: opening it is refused.
    Path kmsg = tmp.resolve("kmsg");
    Process mk = new ProcessBuilder("mknod", kmsg.toString(), "c", "1", "11").start();
    assertThat(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0).isTrue();
    assertThat(sh(c, "head -c1 " + kmsg)).contains("Operation not permitted");
    assertThat(sh(c, "mknod " + tmp.resolve("mem") + " c 1 1")).contains("Operation not permitted");
    assertThat(sh(c, "mknod " + tmp.resolve("null") + " c 1 3 && echo made")).contains("made").endsWith("rc=0");
    if (!hierarchy().unified()) {
      assertThat(Files.readString(k.rootDir(hierarchy()).resolve("std/devices.list")))
          .contains("c 1:9 rwm").contains("c 136:* rwm").doesNotContain("a *:*");
    }
    var spec = c.spec().getDevice().getRestrictionsSet();
    assertThat(spec.getRestrictions(0).getType().name()).isEqualTo("DEVICE_ALL");
    assertThat(spec.getRestrictions(0).getPermission().name()).isEqualTo("DENY");
    assertThat(spec.getRestrictionsCount()).isEqualTo(9);
  }

  @ParameterizedTest
  @ValueSource(strings = {"layout", "programs"})
  void badRulesAreInvalidArgumentsNamingTheField(String mode) throws Exception {
    start(mode);
    assertThatThrownBy(() -> k.api.create("/bad", spec("device { restrictions_set { restrictions { permission: DENY"
        + " type: DEVICE_CHAR access: READ minor: 9 } } }"))).isInstanceOfSatisfying(ContainerException.class,
        e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT)).hasMessageContaining(
        "device.restrictions_set.restrictions[0].major");
    assertThat(k.leftovers()).isEmpty();
  }

  /**
   * While the bundle is absent the kernel keeps enforcing; destroy (with the bundle back) leaves no program:
   * the ids once attached no longer name a loaded program.
   */
  @ParameterizedTest
  @ValueSource(strings = {"layout", "programs"})
  void theKernelKeepsEnforcingWithoutTheBundleAndDestroyLeavesNothing(String mode) throws Exception {
    start(mode);
    Container c = k.api.create("/swap", spec(DENY_URANDOM_READ));
    List<Integer> ids = new ArrayList<>();
    if (hierarchy().unified()) {
      ids.addAll(programs(c).ids());
      assertThat(ids).hasSize(1);
    }
    k.factories.remove(factory);
    try {
      assertThat(sh(c, "head -c1 /dev/urandom >/dev/null")).contains("Operation not permitted");
      assertThatThrownBy(() -> c.update(spec(ALLOW_URANDOM_READ), UpdatePolicy.DIFF))
          .isInstanceOfSatisfying(ContainerException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE))
          .hasMessageContaining("device");
    } finally {
      k.factories.add(factory);
    }
    assertThat(sh(c, "head -c1 /dev/urandom >/dev/null")).contains("Operation not permitted");
    k.api.destroy(c);
    assertThat(k.leftovers()).isEmpty();
    Bpf bpf = ids.isEmpty() ? null : Bpf.open();
    for (int id : ids) {
      int fd = bpf.programById(id);
      bpf.close(fd);
      assertThat(fd).as("program %d after destroy", id).isEqualTo(-Bpf.ENOENT);
    }
  }

  private DevicePrograms programs(Container c) throws Exception {
    return new DevicePrograms(Bpf.open(), k.rootDir(hierarchy()).resolve(c.name().substring(1)));
  }
}
