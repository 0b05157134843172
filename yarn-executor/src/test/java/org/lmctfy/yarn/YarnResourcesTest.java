package org.lmctfy.yarn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.junit.jupiter.api.Test;
import org.lmctfy.api.proto.ContainerSpec;

class YarnResourcesTest {
  @Test
  void memoryAskIsTheHardLimitAndVcoresAreShares() {
    ContainerSpec spec = new YarnResources(true, false, 8, 8f).spec(Resource.newInstance(1536, 2));
    assertThat(spec.getMemory().getLimit()).isEqualTo(1536L * 1024 * 1024);
    assertThat(spec.getCpu().getLimit()).isEqualTo(2000); // lmctfy: 2048 shares, YARN's 1024 per vcore
    assertThat(spec.getCpu().hasMaxLimit()).isFalse();
  }

  @Test
  void strictModeCapsAtTheContainersPartOfYarnsCpus() {
    // 8 vcores on 4 CPUs YARN may use: 2 vcores are one CPU.
    assertThat(new YarnResources(true, true, 8, 4f).spec(Resource.newInstance(512, 2)).getCpu().getMaxLimit())
        .isEqualTo(1000);
    // 3 of 4 vcores on 2 CPUs at 75 %: 1.125 CPUs.
    assertThat(new YarnResources(true, true, 4, 1.5f).spec(Resource.newInstance(512, 3)).getCpu().getMaxLimit())
        .isEqualTo(1125);
    // Every vcore of the node: no cap, as YARN's handler.
    assertThat(new YarnResources(true, true, 4, 4f).spec(Resource.newInstance(512, 4)).getCpu().hasMaxLimit())
        .isFalse();
  }

  @Test
  void unenforcedMemoryIsAccountedWithoutALimit() {
    assertThat(new YarnResources(false, false, 8, 8f).spec(Resource.newInstance(1024, 1)).getMemory().getLimit())
        .isEqualTo(-1);
  }

  @Test
  void zeroVcoresGetTheShareOfOne() {
    assertThat(new YarnResources(true, false, 8, 8f).spec(Resource.newInstance(128, 0)).getCpu().getLimit())
        .isEqualTo(1000);
  }

  @Test
  void anAskWithoutMemoryIsRefused() {
    assertThatThrownBy(() -> new YarnResources(true, false, 8, 8f).spec(Resource.newInstance(0, 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("memory");
  }

  @Test
  void settingsAreTheNodeManagersOwn() {
    Configuration conf = new YarnConfiguration();
    conf.setInt(YarnConfiguration.NM_VCORES, 6);
    conf.setInt(YarnConfiguration.NM_RESOURCE_PERCENTAGE_PHYSICAL_CPU_LIMIT, 50);
    conf.setBoolean(YarnConfiguration.NM_LINUX_CONTAINER_CGROUPS_STRICT_RESOURCE_USAGE, true);
    conf.setBoolean(YarnConfiguration.NM_MEMORY_RESOURCE_ENFORCED, false);
    YarnResources r = YarnResources.from(conf);
    assertThat(r.nodeVcores()).isEqualTo(6);
    assertThat(r.strictCpu()).isTrue();
    assertThat(r.memoryEnforced()).isFalse();
    assertThat(r.containersCpus()).isEqualTo(Runtime.getRuntime().availableProcessors() * 0.5f);
  }

  @Test
  void defaultsEnforceMemoryWithoutACpuCap() {
    YarnResources r = YarnResources.from(new YarnConfiguration());
    assertThat(r.memoryEnforced()).isTrue();
    assertThat(r.strictCpu()).isFalse();
  }
}
