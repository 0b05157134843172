package org.lmctfy.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.TypeRegistry;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.lmctfy.api.proto.BlockIoSpec;
import org.lmctfy.api.proto.CgroupHierarchy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.DeviceSpec;
import org.lmctfy.api.proto.EventSpec;
import org.lmctfy.api.proto.InitSpec;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.api.proto.SchedulingLatency;
import org.lmctfy.api.proto.CpuSpec;

/** lmctfy users' text-format specs must parse unchanged. */
class SpecFormatTest {
  private static ContainerSpec spec(String text) throws ContainerException {
    return SpecFormat.parse(text, ContainerSpec.newBuilder()).build();
  }

  @Test
  void aVendorSpecWithoutItsPluginIsUnavailableNotInvalid() {
    String text = "extensions { key: \"pids\" value { [type.googleapis.com/com.example.lmctfy.pids.PidsSpec] { max: 64 } } }";
    assertThatThrownBy(() -> SpecFormat.parse(text, ContainerSpec.newBuilder()))
        .isInstanceOfSatisfying(ContainerException.class, e -> {
          assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
          assertThat(e.getMessage()).contains("type.googleapis.com/com.example.lmctfy.pids.PidsSpec")
              .doesNotContain("Please");
        });
    // A plain typo stays INVALID_ARGUMENT.
    assertThatThrownBy(() -> SpecFormat.parse("cpu { limt: 5 }", ContainerSpec.newBuilder()))
        .isInstanceOfSatisfying(ContainerException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT));
  }

  @Test
  void readmeExamples() throws ContainerException {
    ContainerSpec s = spec("memory:{limit:100000000}");
    assertThat(s.getMemory().getLimit()).isEqualTo(100_000_000L);
    s = spec("cpu { limit: 500 } memory { limit: 100000000 }");
    assertThat(s.getCpu().getLimit()).isEqualTo(500);
    assertThat(s.getMemory().getLimit()).isEqualTo(100_000_000L);
  }

  @Test
  void fullCpuAndMemorySpec() throws ContainerException {
    ContainerSpec s = spec("owner: 1000 owner_group: 1000 children_limit: 10\n"
        + "cpu { scheduling_latency: NORMAL limit: 2000 max_limit: 4000 mask { data: 3 } }\n"
        + "memory { eviction_priority: 5000 limit: 2147483648 reservation: 1073741824 swap_limit: 4294967296\n"
        + "  dirty { ratio: 50 background_ratio: 10 } kmem_charge_usage: true stale_page_age: 1\n"
        + "  compression_sampling_ratio: 0 tmpfs { path: '/tmp' } hugetlbfs_path: '/mnt/huge' max_limit: 3 }");
    assertThat(s.getOwner()).isEqualTo(1000);
    assertThat(s.getChildrenLimit()).isEqualTo(10);
    assertThat(s.getCpu().getSchedulingLatency()).isEqualTo(SchedulingLatency.NORMAL);
    assertThat(s.getCpu().getMask().getDataList()).containsExactly(3L);
    assertThat(s.getMemory().getDirty().getRatio()).isEqualTo(50);
    assertThat(s.getMemory().getTmpfs().getPathList()).containsExactly("/tmp");
    assertThat(s.getMemory().getSwapLimit()).isEqualTo(4294967296L);
  }

  @Test
  void blockIoAndDeviceSpecs() throws ContainerException {
    ContainerSpec s = spec("blockio { device_limit_set { default_limit: 50 device_limits { device { major: 8"
        + " minor: 0 } limit: 100 } } max_device_limit_set { max_limits { limits { device { major: 8 minor: 0 }"
        + " limit: 1048576 } op_type: READ limit_type: BYTES_PER_SECOND } } }\n"
        + "device { restrictions_set { restrictions { permission: DENY type: DEVICE_ALL access: READ access: WRITE"
        + " access: MKNOD } restrictions { permission: ALLOW type: DEVICE_CHAR major: 1 minor: 3 access: READ"
        + " access: WRITE } } }");
    BlockIoSpec.MaxLimit max = s.getBlockio().getMaxDeviceLimitSet().getMaxLimits(0);
    assertThat(max.getOpType()).isEqualTo(BlockIoSpec.OpType.READ);
    assertThat(max.getLimits(0).getLimit()).isEqualTo(1048576L);
    assertThat(s.getDevice().getRestrictionsSet().getRestrictions(1).getType())
        .isEqualTo(DeviceSpec.DeviceType.DEVICE_CHAR);
    assertThat(s.getDevice().getRestrictionsSet().getRestrictions(0).getAccessList()).hasSize(3);
  }

  @Test
  void virtualHostFilesystemAndMonitoring() throws ContainerException {
    ContainerSpec s = spec("virtual_host { virtual_hostname: 'vh1' init { init_argv: '/sbin/init' run_spec {"
        + " console { slave_pty: '3' } } } network { connection { veth_pair { outside: 'veth0' inside: 'eth0' }"
        + " bridge { name: 'br0' type: ETH } } virtual_ip { ip: '10.0.0.2' netmask: '255.255.255.0' mtu: 1500 } } }"
        + " filesystem { fd_limit: 1024 rootfs: '/srv/root' mounts { mount { source: '/data' target: 'data'"
        + " read_only: true } } } monitoring { enable_perf_counters: false } network {}"
        + " security_spec { apparmor_profile { name: 'x' } }");
    assertThat(s.getVirtualHost().getNetwork().getConnection().getVethPair().getInside()).isEqualTo("eth0");
    assertThat(s.getFilesystem().getMounts().getMount(0).getReadOnly()).isTrue();
    assertThat(s.hasNetwork()).isTrue();
    assertThat(s.getSecuritySpec().getApparmorProfile().getName()).isEqualTo("x");
  }

  @Test
  void initRunAndEventSpecs() throws ContainerException {
    InitSpec init = SpecFormat.parse("cgroup_mount:{mount_path:'/sys/fs/cgroup/cpu' hierarchy:CGROUP_CPU"
        + " hierarchy:CGROUP_CPUACCT} cgroup_mount:{mount_path:'/sys/fs/cgroup/cpuset' hierarchy:CGROUP_CPUSET}",
        InitSpec.newBuilder()).build();
    assertThat(init.getCgroupMount(0).getHierarchyList())
        .containsExactly(CgroupHierarchy.CGROUP_CPU, CgroupHierarchy.CGROUP_CPUACCT);
    assertThat(SpecFormat.parse("", InitSpec.newBuilder()).build()).isEqualTo(InitSpec.getDefaultInstance());
    RunSpec run = SpecFormat.parse("fd_policy: DETACHED apparmor_profile: 'p'", RunSpec.newBuilder()).build();
    assertThat(run.getFdPolicy()).isEqualTo(RunSpec.FdPolicy.DETACHED);
    EventSpec ev = SpecFormat.parse("memory_threshold { usage: 33554432 }", EventSpec.newBuilder()).build();
    assertThat(ev.getMemoryThreshold().getUsage()).isEqualTo(33554432L);
  }

  @Test
  void binaryIsAcceptedAfterText() throws ContainerException {
    ContainerSpec s = ContainerSpec.newBuilder().setCpu(CpuSpec.newBuilder().setLimit(250)).build();
    ContainerSpec back = SpecFormat.parse(s.toByteArray(), ContainerSpec.newBuilder(),
        TypeRegistry.getEmptyTypeRegistry()).build();
    assertThat(back).isEqualTo(s);
  }

  /**
   * Text that is not a spec must not pass for binary: "mem 100" is valid wire format (fields 6 and 13, which
   * ContainerSpec does not define), and was accepted as an empty spec, creating a container without limits.
   */
  @Test
  void fieldsUnknownToTheSpecAreRefusedNotIgnored() {
    assertThatThrownBy(() -> spec("mem 100"))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT))
        .hasMessageContaining("not valid text format").hasMessageContaining("field 6");
    // A binary spec from a version with more fields, nested: refused naming the field, not half applied.
    ContainerSpec newer = ContainerSpec.newBuilder().setCpu(CpuSpec.newBuilder().setLimit(250)
        .setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder().addField(999,
            com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build())).build();
    assertThatThrownBy(() -> SpecFormat.parse(newer.toByteArray(), ContainerSpec.newBuilder(),
        TypeRegistry.getEmptyTypeRegistry()))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT))
        .hasMessageContaining("field cpu.999");
  }

  @Test
  void vendorExtensionsNeedTheirType() throws ContainerException {
    // A vendor's message type, here played by CpuSpec, resolved through the registry.
    TypeRegistry registry = TypeRegistry.newBuilder().add(CpuSpec.getDescriptor()).build();
    String text = "extensions { key: 'pids' value { [type.googleapis.com/containers.lmctfy.CpuSpec] { limit: 64 }"
        + " } }";
    ContainerSpec s = SpecFormat.parse(text.getBytes(StandardCharsets.UTF_8), ContainerSpec.newBuilder(),
        registry).build();
    Any any = s.getExtensionsMap().get("pids");
    assertThat(any.getTypeUrl()).endsWith("containers.lmctfy.CpuSpec");
    assertThat(SpecFormat.print(s, registry)).contains("limit: 64");
    // Without its type (its plugin absent) the resource is unavailable.
    assertThatThrownBy(() -> SpecFormat.parse(text, ContainerSpec.newBuilder()))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE));
  }

  @Test
  void typosAreInvalidArgumentsNamingTheField() {
    assertThatThrownBy(() -> spec("cpu { limt: 5 }"))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT))
        .hasMessageContaining("limt");
    assertThatThrownBy(() -> spec("memory { limit: -x }")).isInstanceOf(ContainerException.class);
  }
}
