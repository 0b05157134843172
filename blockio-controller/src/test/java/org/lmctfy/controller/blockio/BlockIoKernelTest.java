package org.lmctfy.controller.blockio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.lmctfy.core.testing.Specs.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.BlockIoStats;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.core.testing.Workload;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.Hierarchy;

/** The blockio controller on the real kernel: an O_DIRECT read throttled to 1 MiB/s (root only). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BlockIoKernelTest {
  private KernelRoot k;
  private Hierarchy h;
  private String disk; // e.g. vda
  private String id; // e.g. 254:0
  private Path loopFile;

  @BeforeEach
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    Optional<String> d = wholeDisk();
    if (d.isEmpty()) {
      d = loopDevice();
    }
    assumeTrue(d.isPresent(), "no readable whole block device, and no loop device could be set up");
    disk = d.get();
    id = Files.readString(Path.of("/sys/block", disk, "dev")).trim();
    k = new KernelRoot(new BlockIoFactory());
    assumeTrue(!new BlockIoFactory().hierarchies(k.layout).isEmpty(), "no blkio/io controller");
    h = new BlockIoFactory().hierarchies(k.layout).get(0);
  }

  /** A real disk (not loop, ram, zram) that has a device node and some size. */
  static Optional<String> wholeDisk() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/sys/block"))) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("loop") && !n.startsWith("ram") && !n.startsWith("zram"))
          .filter(n -> readable(Path.of("/dev", n)))
          .filter(n -> {
            try {
              return Long.parseLong(Files.readString(Path.of("/sys/block", n, "size")).trim()) > 8192;
            } catch (IOException | NumberFormatException e) {
              return false;
            }
          })
          .sorted().findFirst();
    }
  }

  private static boolean readable(Path dev) {
    try (var ch = java.nio.channels.FileChannel.open(dev)) {
      return true;
    } catch (IOException e) {
      return false; // e.g. the sandbox's device cgroup forbids it
    }
  }

  /** A loop device over a 16 MiB temp file, for hosts whose disks cannot be read directly. */
  private Optional<String> loopDevice() throws Exception {
    loopFile = Files.createTempFile("lmctfy-test-blockio", ".img");
    try (var ch = java.nio.channels.FileChannel.open(loopFile, java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.allocate(16 << 20));
    }
    Process p = new ProcessBuilder("losetup", "-f", "--show", loopFile.toString()).start();
    String dev = new String(p.getInputStream().readAllBytes()).trim();
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || !dev.startsWith("/dev/")) {
      return Optional.empty();
    }
    return Optional.of(dev.substring("/dev/".length()));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (loopFile != null) {
      if (disk != null && disk.startsWith("loop")) {
        new ProcessBuilder("losetup", "-d", "/dev/" + disk).start().waitFor(30, TimeUnit.SECONDS);
      }
      Files.deleteIfExists(loopFile);
    }
    if (k != null) {
      k.finish();
    }
  }

  private String device() {
    String[] mm = id.split(":");
    return "device { major: " + mm[0] + " minor: " + mm[1] + " }";
  }

  @Test
  void aDirectReadThrottledToOneMibPerSecondReadsAtThatRate() throws Exception {
    Container c = k.api.create("/io", spec("blockio { max_device_limit_set { max_limits { limits { " + device()
        + " limit: 1048576 } op_type: READ limit_type: BYTES_PER_SECOND } } }"));
    Path dir = k.rootDir(h).resolve("io");
    if (h.unified()) {
      assertThat(ControlFiles.read(dir, BlockIoHandler.IO_MAX)).contains(id + " rbps=1048576");
    } else {
      assertThat(ControlFiles.read(dir, "blkio.throttle.read_bps_device")).contains(id + " 1048576");
    }
    assertThat(c.spec().getBlockio().getMaxDeviceLimitSet().getMaxLimits(0).getLimits(0).getLimit())
        .isEqualTo(1048576);
    long t0 = System.nanoTime();
    try (Workload dd = Workload.start(c, 30, "dd", "if=/dev/" + disk, "of=/dev/null", "bs=64k", "count=48",
        "iflag=direct")) {
      assertThat(dd.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(dd.process.exitValue()).isZero();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    // 3 MiB at 1 MiB/s: about 3 s (the first slice may pass a burst); the limit is the lower bound, the
    // upper one only allows for a slow disk or a busy machine.
    assertThat(seconds).as("seconds to read 3 MiB").isBetween(2.0, 10.0);
    BlockIoStats stats = c.stats(StatsType.FULL).getBlockio();
    long read = stats.getDeviceStatsList().stream()
        .filter(s -> (s.getDevice().getMajor() + ":" + s.getDevice().getMinor()).equals(id))
        .mapToLong(BlockIoStats.DeviceStats::getReadBytes).sum();
    assertThat(read).isGreaterThanOrEqualTo(3L * 1024 * 1024);
  }

  @Test
  void weightsAreWrittenWhereTheSchedulerHasThemAndRefusedHonestlyElsewhere() throws Exception {
    boolean hasWeights = Stream.of("blkio.weight", "blkio.bfq.weight", "io.weight", "io.bfq.weight")
        .anyMatch(f -> ControlFiles.exists(k.rootDir(h), f));
    if (hasWeights) {
      k.api.create("/w", spec("blockio { device_limit_set { default_limit: 50 } }"));
      Path dir = k.rootDir(h).resolve("w");
      String f = Stream.of("blkio.weight", "blkio.bfq.weight", "io.weight", "io.bfq.weight")
          .filter(x -> ControlFiles.exists(dir, x)).findFirst().get();
      String expected = f.equals("io.weight") ? "4950" : "500";
      assertThat(ControlFiles.read(dir, f)).contains(expected);
    } else {
      assertThatThrownBy(() -> k.api.create("/w", spec("blockio { device_limit_set { default_limit: 50 } }")))
          .isInstanceOfSatisfying(ContainerException.class,
              e -> assertThat(e.code()).isEqualTo(StatusCode.UNIMPLEMENTED))
          .hasMessageContaining("weight");
      assertThat(k.leftovers()).isEmpty();
    }
  }

  @Test
  void badDevicesAndValuesAreRejected() throws Exception {
    assertCode("blockio { max_device_limit_set { max_limits { limits { device { major: 4095 minor: 4095 }"
        + " limit: 5 } op_type: READ limit_type: BYTES_PER_SECOND } } }", "no block device 4095:4095");
    assertCode("blockio { max_device_limit_set { max_limits { limits { " + device() + " limit: 0 } op_type: READ"
        + " limit_type: BYTES_PER_SECOND } } }", "must be > 0");
    assertCode("blockio { device_limit_set { default_limit: 101 } }", "1-100");
    assertCode("blockio { max_device_limit_set { max_limits { limits { " + device() + " limit: 5 } } } }",
        "op_type");
    Optional<String> partition = partitionOf(disk);
    if (partition.isPresent()) {
      String[] mm = partition.get().split(":");
      assertCode("blockio { max_device_limit_set { max_limits { limits { device { major: " + mm[0] + " minor: "
          + mm[1] + " } limit: 5 } op_type: READ limit_type: BYTES_PER_SECOND } } }", "partition");
    }
    assertThat(k.leftovers()).isEmpty();
  }

  private static Optional<String> partitionOf(String disk) throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/sys/block", disk))) {
      return s.filter(p -> Files.exists(p.resolve("partition"))).findFirst().map(p -> {
        try {
          return Files.readString(p.resolve("dev")).trim();
        } catch (IOException e) {
          return null;
        }
      });
    }
  }

  private void assertCode(String text, String fragment) {
    assertThatThrownBy(() -> k.api.create("/bad", spec(text))).isInstanceOfSatisfying(ContainerException.class,
        e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT)).hasMessageContaining(fragment);
  }
}
