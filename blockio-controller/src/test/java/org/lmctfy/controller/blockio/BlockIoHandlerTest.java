package org.lmctfy.controller.blockio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lmctfy.core.testing.Specs.spec;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ContainerStats;
import org.lmctfy.core.testing.FakeCgroup;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.StatsCapability;

class BlockIoHandlerTest {
  @TempDir Path tmp;

  private static final String THROTTLE = "blockio { max_device_limit_set { max_limits { limits { device { major: 8"
      + " minor: 0 } limit: 1048576 } op_type: READ limit_type: BYTES_PER_SECOND } max_limits { limits { device {"
      + " major: 8 minor: 0 } limit: 100 } op_type: WRITE limit_type: IO_PER_SECOND } } }";

  @Test
  void v1ThrottleFilesAndBfqWeight() throws Exception {
    FakeCgroup f = FakeCgroup.of(tmp, false, List.of("blkio"), "blkio.throttle.read_bps_device",
        "blkio.throttle.write_bps_device", "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device",
        "blkio.bfq.weight", "blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_serviced_recursive");
    ResourceHandler h = new BlockIoFactory().attach(f.context).orElseThrow();
    h.update(spec(THROTTLE), UpdatePolicy.REPLACE);
    assertThat(f.read("blkio.throttle.read_bps_device")).isEqualTo("8:0 1048576");
    assertThat(f.read("blkio.throttle.write_iops_device")).isEqualTo("8:0 100");
    h.update(spec("blockio { device_limit_set { default_limit: 50 } }"), UpdatePolicy.DIFF);
    assertThat(f.read("blkio.bfq.weight")).isEqualTo("500");
    f.set("blkio.throttle.io_service_bytes_recursive", "8:0 Read 4096\n8:0 Write 8192\n8:0 Total 12288\nTotal 12288\n");
    f.set("blkio.throttle.io_serviced_recursive", "8:0 Read 1\n8:0 Write 2\n");
    ContainerStats.Builder s = ContainerStats.newBuilder();
    ((StatsCapability) h).fillStats(StatsType.FULL, s);
    assertThat(s.getBlockio().getDeviceStats(0).getReadBytes()).isEqualTo(4096);
    assertThat(s.getBlockio().getDeviceStats(0).getWriteOps()).isEqualTo(2);
  }

  @Test
  void v2IoMaxAndIoWeight() throws Exception {
    FakeCgroup f = FakeCgroup.of(tmp, true, List.of("io"), "io.max", "io.weight", "io.stat");
    ResourceHandler h = new BlockIoFactory().attach(f.context).orElseThrow();
    h.update(spec("blockio { device_limit_set { default_limit: 50 } }"), UpdatePolicy.DIFF);
    assertThat(f.read("io.weight")).isEqualTo("default 4950");
    h.update(spec(THROTTLE), UpdatePolicy.DIFF);
    assertThat(f.read("io.max")).isEqualTo("8:0 wiops=100"); // the fake keeps the last write
    f.set("io.stat", "8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n");
    ContainerStats.Builder s = ContainerStats.newBuilder();
    ((StatsCapability) h).fillStats(StatsType.SUMMARY, s);
    assertThat(s.getBlockio().getDeviceStats(0).getWriteBytes()).isEqualTo(20);
  }

  @Test
  void weightsWithoutASchedulerThatHasThemAreUnimplemented() throws Exception {
    FakeCgroup f = FakeCgroup.of(tmp, false, List.of("blkio"), "blkio.throttle.read_bps_device");
    ResourceHandler h = new BlockIoFactory().attach(f.context).orElseThrow();
    assertThatThrownBy(() -> h.update(spec("blockio { device_limit_set { default_limit: 50 } }"), UpdatePolicy.DIFF))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.UNIMPLEMENTED))
        .hasMessageContaining("blkio.weight or blkio.bfq.weight");
  }
}
