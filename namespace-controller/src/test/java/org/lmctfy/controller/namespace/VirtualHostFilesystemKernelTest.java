package org.lmctfy.controller.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lmctfy.core.testing.Specs.spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.core.testing.Expect;
import org.lmctfy.core.testing.KernelFactories;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.cgroup.CgroupLayout;

/**
 * A virtual host's filesystem on the real kernel (root only): a busybox rootfs the test builds, entered with
 * pivot_root, with /proc, /dev and /sys; bind mounts, read-only ones refusing writes; a hostile rootfs whose
 * symlinks point out of it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VirtualHostFilesystemKernelTest {
  private static final RunSpec DETACHED = RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.DETACHED).build();
  private static final Path BUSYBOX = Path.of("/bin/busybox");

  @TempDir Path tmp;
  private KernelRoot k;
  private Path rootfs;
  private Path out;

  @BeforeEach
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(BUSYBOX),
        "needs a static busybox at /bin/busybox (Debian's busybox-static)");
    List<ResourceHandlerFactory> all = new ArrayList<>(KernelFactories.standard(CgroupLayout.detect()));
    all.add(new VirtualHostFactory());
    all.add(new FilesystemFactory());
    k = new KernelRoot(all.toArray(new ResourceHandlerFactory[0]));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    rootfs = busyboxRootfs(tmp.resolve("rootfs"));
    out = Files.createDirectory(tmp.resolve("out"));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (k != null) {
      k.finish();
    }
  }

  /** A minimal root filesystem: a static busybox and its applets, nothing else. */
  static Path busyboxRootfs(Path root) throws Exception {
    Files.createDirectories(root.resolve("bin"));
    Files.copy(BUSYBOX, root.resolve("bin/busybox"));
    for (String applet : List.of("sh", "ls", "cat", "touch", "echo", "mount", "ps", "hostname", "ip", "sleep")) {
      Files.createSymbolicLink(root.resolve("bin").resolve(applet), Path.of("busybox"));
    }
    return root;
  }

  /** Runs a script inside, detached; waits (bounded) for the file /out/done it writes last. */
  private void runInside(Container c, String script) throws Exception {
    c.run(List.of("/bin/sh", "-c", script + "; echo ok > /out/done"), DETACHED);
    Path done = out.resolve("done");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(done) || Files.size(done) == 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the command did not finish; out/ has " + List.of(out.toFile().list()));
      }
      Thread.sleep(10);
    }
    Files.delete(done);
  }

  private String read(String name) throws Exception {
    return Files.readString(out.resolve(name)).trim();
  }

  private String fsSpec(String filesystem) {
    return "virtual_host { virtual_hostname: \"box\" } filesystem { " + filesystem + " }";
  }

  @Test
  void theRootfsIsTheVirtualHostsRootWithProcDevAndSys() throws Exception {
    Path ro = Files.createDirectory(tmp.resolve("ro"));
    Files.writeString(ro.resolve("f"), "host data");
    String before = Files.readString(Path.of("/proc/self/mountinfo"));
    Container vh = k.api.create("/box", spec(fsSpec("rootfs: \"" + rootfs + "\" mounts { mount { source: \"" + out
        + "\" target: \"/out\" } mount { source: \"" + ro + "\" target: \"/data/ro\" read_only: true } }")));
    runInside(vh, "ls / > /out/ls; cat /data/ro/f > /out/ro; (echo x > /data/ro/new) 2> /out/rofail;"
        + " ls /dev > /out/dev; cat /proc/mounts > /out/mounts; ls /proc/1/ > /dev/null && cat /proc/1/comm > /out/init;"
        + " hostname > /out/hostname; echo w > /out/written");
    assertThat(read("ls").split("\\s+")).contains("bin", "dev", "proc", "sys", "out", "data")
        .doesNotContain("usr", "etc", "home", "root", "tmp");
    assertThat(read("ro")).isEqualTo("host data");
    assertThat(read("rofail")).contains("Read-only file system");
    assertThat(ro.resolve("new")).doesNotExist();
    assertThat(read("dev").split("\\s+")).contains("null", "zero", "full", "random", "urandom", "tty", "pts", "shm",
        "fd", "ptmx");
    assertThat(read("mounts")).contains("proc /proc proc").contains("sysfs /sys sysfs ro,").contains("/dev tmpfs")
        .contains(" /data/ro ").doesNotContain(rootfs.toString());
    assertThat(read("init")).isEqualTo(VirtualHostHandler.INIT);
    assertThat(read("hostname")).isEqualTo("box");
    assertThat(read("written")).isEqualTo("w");
    assertThat(vh.spec().getFilesystem().getRootfs()).isEqualTo(rootfs.toString());
    assertThat(rootfs.resolve("data/ro")).as("a missing target is created inside the rootfs").isDirectory();
    k.api.destroy(vh);
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).as("the host's mounts").isEqualTo(before);
    assertThat(k.leftovers()).isEmpty();
  }

  @Test
  void symlinksAndDotDotInAHostileRootfsResolveInsideIt() throws Exception {
    Files.createDirectory(rootfs.resolve("etc"));
    Files.createSymbolicLink(rootfs.resolve("up"), Path.of("../../../../../../.."));
    Files.createSymbolicLink(rootfs.resolve("abs"), Path.of("/etc"));
    String target = "lmctfy-escape-" + ProcessHandle.current().pid();
    Container vh = k.api.create("/box", spec(fsSpec("rootfs: \"" + rootfs + "\" mounts {"
        + " mount { source: \"" + out + "\" target: \"/out\" }"
        + " mount { source: \"" + out + "\" target: \"/up/" + target + "\" }"
        + " mount { source: \"" + out + "\" target: \"/abs/" + target + "\" }"
        + " mount { source: \"" + out + "\" target: \"/../../" + target + "-dots\" } }")));
    runInside(vh, "ls / > /out/ls");
    assertThat(Path.of("/" + target)).doesNotExist();
    assertThat(Path.of("/etc/" + target)).doesNotExist();
    assertThat(tmp.getParent().resolve(target + "-dots")).doesNotExist();
    assertThat(Path.of("/" + target + "-dots")).doesNotExist();
    assertThat(rootfs.resolve(target)).as("/up/x resolves to the rootfs's root").isDirectory();
    assertThat(rootfs.resolve("etc").resolve(target)).as("/abs/x resolves to the rootfs's /etc").isDirectory();
    assertThat(rootfs.resolve(target + "-dots")).isDirectory();
    assertThat(read("ls").split("\\s+")).contains(target, target + "-dots");
    // A symlink pointing out of the rootfs to nothing inside it is refused, not followed out.
    Files.createSymbolicLink(rootfs.resolve("dangling"), Path.of("/nonexistent-dir"));
    assertThatThrownBy(() -> k.api.create("/box2", spec(fsSpec("rootfs: \"" + rootfs + "\" mounts { mount {"
        + " source: \"" + out + "\" target: \"/dangling/x\" } }")))).isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isIn(StatusCode.NOT_FOUND, StatusCode.FAILED_PRECONDITION,
                StatusCode.INVALID_ARGUMENT));
    assertThat(Path.of("/nonexistent-dir")).doesNotExist();
    Expect.code(() -> k.api.get("/box2"), StatusCode.NOT_FOUND, "/box2"); // a failed create leaves nothing
  }

  @Test
  void bindMountsWithoutARootfsStayInsideTheMountNamespace() throws Exception {
    Path a = Files.createDirectory(tmp.resolve("a"));
    Path b = Files.createDirectory(tmp.resolve("b"));
    Files.writeString(a.resolve("f"), "from a");
    Container vh = k.api.create("/box", spec(fsSpec("mounts { mount { source: \"" + a + "\" target: \"" + b
        + "\" read_only: true private: true } }")));
    vh.run(List.of("/bin/sh", "-c", "cat " + b + "/f > " + out + "/seen; touch " + b + "/g 2> " + out
        + "/err; echo ok > " + out + "/done"), DETACHED);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(out.resolve("done"))) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(10);
    }
    assertThat(read("seen")).isEqualTo("from a");
    assertThat(read("err")).contains("Read-only file system");
    assertThat(b.resolve("f")).as("outside, b is untouched").doesNotExist();
  }

  @Test
  void badFilesystemSpecsGetPreciseCodes() throws Exception {
    Expect.code(() -> k.api.create("/x", spec("filesystem { rootfs: \"" + rootfs + "\" }")),
        StatusCode.INVALID_ARGUMENT, "need virtual_host");
    Expect.code(() -> k.api.create("/x", spec(fsSpec("rootfs: \"relative\""))), StatusCode.INVALID_ARGUMENT,
        "filesystem.rootfs");
    Expect.code(() -> k.api.create("/x", spec(fsSpec("rootfs: \"" + tmp.resolve("none") + "\""))),
        StatusCode.NOT_FOUND, "filesystem.rootfs");
    Expect.code(() -> k.api.create("/x", spec(fsSpec("rootfs: \"/\""))), StatusCode.INVALID_ARGUMENT,
        "host's root");
    Expect.code(() -> k.api.create("/x", spec("virtual_host {} filesystem { fd_limit: 10 }")),
        StatusCode.UNIMPLEMENTED, "fd_limit");
    Expect.code(() -> k.api.create("/x", spec(fsSpec("rootfs: \"" + rootfs + "\" mounts { mount { source: \""
        + tmp.resolve("none") + "\" target: \"/a\" } }"))), StatusCode.NOT_FOUND, "mount[0].source");
    Expect.code(() -> k.api.create("/x", spec(fsSpec("mounts { mount { source: \"" + out + "\" target: \""
        + tmp.resolve("none") + "\" } }"))), StatusCode.NOT_FOUND, "mount[0].target");
    Expect.code(() -> k.api.create("/x", spec(fsSpec("mounts { mount { source: \"" + out + "\" } }"))),
        StatusCode.INVALID_ARGUMENT, "mount[0].target");
    Container vh = k.api.create("/box", spec(fsSpec("rootfs: \"" + rootfs + "\"")));
    Expect.code(() -> vh.update(spec("filesystem { rootfs: \"" + tmp + "\" }"), UpdatePolicy.DIFF),
        StatusCode.UNIMPLEMENTED, "filesystem");
    Expect.code(() -> k.api.get("/x"), StatusCode.NOT_FOUND, "/x");
  }
}
