package org.lmctfy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.proto.CgroupHierarchy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.EventSpec;
import org.lmctfy.spi.cgroup.CgroupLayout;

/** lmctfy's API table of built-in resources, which the core asks instead of naming resources. */
class BuiltInResourcesTest {
  private static ContainerSpec spec(String text) throws Exception {
    return SpecFormat.parse(text, ContainerSpec.newBuilder()).build();
  }

  @Test
  void fieldsNameTheirResources() throws Exception {
    assertThat(BuiltInResources.mentionedBy(ContainerSpec.getDefaultInstance())).isEmpty();
    assertThat(BuiltInResources.mentionedBy(spec("cpu { limit: 100 } memory { limit: 1 } blockio {}")))
        .containsExactly("blockio", "cpu", "memory");
    // A mask alone is affinity: cpuset, not cpu.
    assertThat(BuiltInResources.mentionedBy(spec("cpu { mask { data: 3 } }"))).containsExactly("cpuset");
    assertThat(BuiltInResources.mentionedBy(spec("cpu { limit: 1 mask { data: 3 } }")))
        .containsExactly("cpu", "cpuset");
    assertThat(BuiltInResources.mentionedBy(spec("virtual_host {} extensions { key: \"x\" value {} }")))
        .containsExactly("virtualhost");
    assertThat(BuiltInResources.fixedAtCreation(spec("virtual_host {}"))).contains("virtual_host");
    assertThat(BuiltInResources.fixedAtCreation(spec("memory {}"))).isEmpty();
    assertThat(BuiltInResources.withoutUpdatableResources(spec("owner: 7 cpu { limit: 1 } virtual_host {}"))
        .build()).isEqualTo(spec("owner: 7 virtual_host {}"));
  }

  @Test
  void eventsNameTheResourceThatServesThem() {
    assertThat(BuiltInResources.servingEvent(EventSpec.newBuilder().setOom(EventSpec.Oom.getDefaultInstance())
        .build())).contains("memory");
    assertThat(BuiltInResources.servingEvent(EventSpec.newBuilder().setMemoryThreshold(
        EventSpec.MemoryThreshold.newBuilder().setUsage(1)).build())).contains("memory");
    assertThat(BuiltInResources.servingEvent(EventSpec.newBuilder().setContainerEmpty(
        EventSpec.ContainerEmpty.getDefaultInstance()).build())).isEmpty();
  }

  @Test
  void hierarchiesNameTheirV1Controllers() {
    assertThat(CgroupLayout.v1Controller(CgroupHierarchy.CGROUP_BLOCKIO)).contains("blkio");
    assertThat(CgroupLayout.v1Controller(CgroupHierarchy.CGROUP_DEVICE)).contains("devices");
    assertThat(CgroupLayout.v1Controller(CgroupHierarchy.CGROUP_NET)).contains("net_cls");
    assertThat(CgroupLayout.v1Controller(CgroupHierarchy.CGROUP_JOB)).isEmpty();
  }
}
