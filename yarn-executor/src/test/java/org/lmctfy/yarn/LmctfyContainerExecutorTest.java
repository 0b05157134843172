package org.lmctfy.yarn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.junit.jupiter.api.Test;

class LmctfyContainerExecutorTest {
  @Test
  void elasticMemoryControlIsRefusedByName() {
    Configuration conf = new YarnConfiguration();
    conf.setBoolean(YarnConfiguration.NM_ELASTIC_MEMORY_CONTROL_ENABLED, true);
    assertThatThrownBy(() -> LmctfyContainerExecutor.refuseUnsupported(conf)).isInstanceOf(IOException.class)
        .hasMessageContaining(YarnConfiguration.NM_ELASTIC_MEMORY_CONTROL_ENABLED).hasMessageContaining("not supported");
  }

  @Test
  void theDefaultsAreAccepted() throws Exception {
    LmctfyContainerExecutor.refuseUnsupported(new YarnConfiguration());
  }

  @Test
  void aProgramIsFoundOnThePathAndAnAbsoluteOneKept() throws Exception {
    assertThat(LmctfyLaunch.onPath("sh")).startsWith("/").endsWith("/sh");
    assertThat(LmctfyLaunch.onPath("/bin/true")).isEqualTo("/bin/true");
    assertThatThrownBy(() -> LmctfyLaunch.onPath("no-such-program-here")).isInstanceOf(IOException.class)
        .hasMessageContaining("no-such-program-here");
  }

  @Test
  void anUnreachableDaemonIsAClearIoError(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    Lmctfyd d = new Lmctfyd(dir.resolve("lmctfy.sock"), dir.resolve("lmctfy-exec"));
    assertThatThrownBy(() -> d.call(api -> api.get("/yarn"))).isInstanceOf(IOException.class)
        .hasMessageContaining("no lmctfyd answers at " + dir.resolve("lmctfy.sock"))
        .hasMessageContaining(LmctfyContainerExecutor.SOCKET);
  }
}
