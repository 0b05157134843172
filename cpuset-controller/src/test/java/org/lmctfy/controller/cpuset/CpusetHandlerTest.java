package org.lmctfy.controller.cpuset;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.core.testing.FakeCgroup;
import org.lmctfy.spi.ResourceHandler;

class CpusetHandlerTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void maskBecomesARangeList(boolean v2) throws Exception {
    FakeCgroup f = FakeCgroup.of(tmp, v2, List.of("cpuset"), "cpuset.cpus", "cpuset.mems");
    ResourceHandler h = new CpusetFactory().attach(f.context).orElseThrow();
    h.update(SpecFormat.parse("cpu { mask { data: 13 } }", ContainerSpec.newBuilder()).build(), UpdatePolicy.DIFF);
    assertThat(f.read("cpuset.cpus")).isEqualTo("0,2-3");
    ContainerSpec.Builder back = ContainerSpec.newBuilder();
    h.fillSpec(back);
    assertThat(back.getCpu().getMask().getDataList()).containsExactly(13L);
  }
}
