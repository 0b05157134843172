package org.lmctfy.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.health.ApiHealth;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.proto.BlockIoSpec;
import org.lmctfy.api.proto.BlockIoStats;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ContainerStats;
import org.lmctfy.api.proto.CpuSpec;
import org.lmctfy.api.proto.CpuStats;
import org.lmctfy.api.proto.MemoryStats;
import org.lmctfy.api.proto.PressureStats;
import org.lmctfy.api.proto.ThrottlingData;

class ScrapeTest {
  @TempDir
  Path sys;

  private final FakeApi fake = new FakeApi();
  private final Controllers controllers = new Controllers();
  private final ApiCalls calls = new ApiCalls();
  private ContainerApi api;

  @BeforeEach
  void setUp() throws Exception {
    Files.createDirectories(sys.resolve("8:0"));
    Files.writeString(sys.resolve("8:0/uevent"), "MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk\n");
    api = fake.api();
    controllers.bind("cpu-factory", "cpu");
    controllers.bind("memory-factory", "memory");
    fake.containers.put("/", new FakeApi.Entry(ContainerStats.getDefaultInstance(), ContainerSpec.getDefaultInstance(), 0));
    ContainerStats stats = ContainerStats.newBuilder()
        .setCpu(CpuStats.newBuilder()
            .setUsage(CpuStats.Usage.newBuilder().setTotal(2_500_000_000L).setUser(2_000_000_000L).setSystem(500_000_000L))
            .setThrottlingData(ThrottlingData.newBuilder().setPeriods(40).setThrottledPeriods(7).setThrottledTime(3_000_000_000L))
            .setPressure(PressureStats.newBuilder().setSome(PressureStats.Line.newBuilder().setTotal(1_500_000))))
        .setMemory(MemoryStats.newBuilder().setLimit(104_857_600).setUsage(50_000_000).setWorkingSet(40_000_000)
            .setFailCount(3).setOomKillCount(2)
            .setHierarchicalData(MemoryStats.MemoryData.newBuilder().setRss(30_000_000).setCache(10_000_000)))
        .setBlockio(BlockIoStats.newBuilder().addDeviceStats(BlockIoStats.DeviceStats.newBuilder()
            .setDevice(BlockIoSpec.Device.newBuilder().setMajor(8).setMinor(0))
            .setReadBytes(4096).setWriteBytes(8192).setReadOps(1).setWriteOps(2)))
        .build();
    ContainerSpec spec = ContainerSpec.newBuilder().setCpu(CpuSpec.newBuilder().setLimit(500).setMaxLimit(1500)).build();
    fake.containers.put("/a", new FakeApi.Entry(stats, spec, 3));
    fake.containers.put("/a/b", new FakeApi.Entry(ContainerStats.newBuilder()
        .setMemory(MemoryStats.newBuilder().setLimit(-1).setUsage(1)).addUnavailableResources("blockio").build(),
        ContainerSpec.getDefaultInstance(), 0));
  }

  private String scrape(ContainerApi a) throws Exception {
    Scrape s = new Scrape(() -> a, controllers, calls, new BlockDevices(sys), StatsType.FULL);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, s.collect());
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void everyContainerHasCadvisorsSeriesInSecondsAndBytes() throws Exception {
    String text = scrape(api);
    assertThat(text)
        .contains("# TYPE container_cpu_usage_seconds_total counter")
        .containsPattern("(?m)^container_cpu_usage_seconds_total\\{name=\"/a\"} 2\\.5$")
        .containsPattern("(?m)^container_cpu_cfs_throttled_periods_total\\{name=\"/a\"} 7(\\.0)?$")
        .containsPattern("(?m)^container_cpu_cfs_throttled_seconds_total\\{name=\"/a\"} 3(\\.0)?$")
        .containsPattern("(?m)^container_pressure_cpu_waiting_seconds_total\\{name=\"/a\"} 1\\.5$")
        .containsPattern("(?m)^container_spec_memory_limit_bytes\\{name=\"/a\"} 1\\.048576E8$")
        .containsPattern("(?m)^container_memory_working_set_bytes\\{name=\"/a\"} 4\\.0E7$")
        .containsPattern("(?m)^container_memory_rss\\{name=\"/a\"} 3\\.0E7$")
        .containsPattern("(?m)^container_memory_cache\\{name=\"/a\"} 1\\.0E7$")
        .containsPattern("(?m)^container_memory_failcnt\\{name=\"/a\"} 3(\\.0)?$")
        .containsPattern("(?m)^container_oom_events_total\\{name=\"/a\"} 2(\\.0)?$")
        .containsPattern("(?m)^container_spec_cpu_shares\\{name=\"/a\"} 512(\\.0)?$")
        .containsPattern("(?m)^container_spec_cpu_quota\\{name=\"/a\"} 150000(\\.0)?$")
        .containsPattern("(?m)^container_spec_cpu_period\\{name=\"/a\"} 100000(\\.0)?$")
        .containsPattern("(?m)^container_processes\\{name=\"/a\"} 3(\\.0)?$")
        .containsPattern("(?m)^container_blkio_device_usage_total\\{device=\"/dev/sda\",major=\"8\",minor=\"0\",name=\"/a\","
            + "operation=\"Write\"} 8192(\\.0)?$")
        .containsPattern("(?m)^container_fs_reads_bytes_total\\{device=\"/dev/sda\",name=\"/a\"} 4096(\\.0)?$")
        // No limit is cAdvisor's 0; a subcontainer is named by its full name.
        .containsPattern("(?m)^container_spec_memory_limit_bytes\\{name=\"/a/b\"} 0(\\.0)?$")
        .containsPattern("(?m)^lmctfy_container_resource_unavailable\\{name=\"/a/b\",resource=\"blockio\"} 1(\\.0)?$")
        .containsPattern("(?m)^lmctfy_containers 3(\\.0)?$")
        .containsPattern("(?m)^lmctfy_core_available 1(\\.0)?$");
    // /a/b isolates no cpu: no cpu series (and no spec read) for it.
    assertThat(text).doesNotContain("container_cpu_usage_seconds_total{name=\"/a/b\"}");
    assertThat(calls.count("spec", org.lmctfy.api.StatusCode.OK)).isEqualTo(1);
  }

  @Test
  void anAbsentControllerIsAZeroGaugeAndItsSeriesAreMissing() throws Exception {
    controllers.unbind("memory-factory");
    fake.containers.replaceAll((n, e) -> new FakeApi.Entry(e.stats().toBuilder().clearMemory().build(), e.spec(),
        e.processes()));
    String text = scrape(api);
    assertThat(text)
        .containsPattern("(?m)^lmctfy_controller_present\\{resource=\"memory\"} 0(\\.0)?$")
        .containsPattern("(?m)^lmctfy_controller_present\\{resource=\"cpu\"} 1(\\.0)?$")
        .doesNotContain("container_memory_usage_bytes")
        .contains("container_cpu_usage_seconds_total{name=\"/a\"}");
  }

  @Test
  void aContainerDestroyedDuringTheScrapeIsLeftOutAndCounted() throws Exception {
    fake.afterList = () -> fake.containers.remove("/a/b"); // listed, gone before its stats are read
    String text = scrape(api);
    assertThat(text).doesNotContain("name=\"/a/b\"")
        .containsPattern("(?m)^lmctfy_metrics_api_calls_total\\{code=\"NOT_FOUND\",operation=\"stats\"} 1(\\.0)?$")
        .containsPattern("(?m)^lmctfy_containers 2(\\.0)?$");
  }

  @Test
  void withoutTheCoreTheScrapeStillAnswers() throws Exception {
    String text = scrape(null);
    assertThat(text).containsPattern("(?m)^lmctfy_core_available 0(\\.0)?$")
        .containsPattern("(?m)^lmctfy_controller_present\\{resource=\"cpu\"} 1(\\.0)?$")
        .doesNotContain("container_");
  }

  @Test
  void theCoresHealthIsExposedUnderPrometheusNames() throws Exception {
    Map<String, Map<StatusCode, Long>> ops = new TreeMap<>();
    ops.put("create", new EnumMap<>(Map.of(StatusCode.OK, 4L, StatusCode.INVALID_ARGUMENT, 1L)));
    int[] registrations = {2};
    ApiHealth health = new ApiHealth() {
      @Override
      public Map<String, Map<StatusCode, Long>> operations() {
        return ops;
      }

      @Override
      public int notificationRegistrations() {
        return registrations[0];
      }

      @Override
      public Map<String, SwapWindows> swapWindows() {
        return Map.of("memory", new SwapWindows(3, true, 1.5, 12.25), "cpu", new SwapWindows(0, false, 0, 0));
      }
    };
    Scrape s = new Scrape(() -> api, () -> health, controllers, calls, new BlockDevices(sys), StatsType.FULL);
    String text = write(s);
    assertThat(text)
        .contains("# TYPE lmctfy_api_operations_total counter")
        .containsPattern("(?m)^lmctfy_api_operations_total\\{code=\"INVALID_ARGUMENT\",operation=\"create\"} 1(\\.0)?$")
        .containsPattern("(?m)^lmctfy_api_operations_total\\{code=\"OK\",operation=\"create\"} 4(\\.0)?$")
        .containsPattern("(?m)^lmctfy_notification_registrations 2(\\.0)?$")
        .containsPattern("(?m)^lmctfy_controller_swap_windows_total\\{resource=\"memory\"} 3(\\.0)?$")
        .containsPattern("(?m)^lmctfy_controller_absent_seconds_total\\{resource=\"memory\"} 12\\.25$")
        .containsPattern("(?m)^lmctfy_controller_swap_window_open_seconds\\{resource=\"memory\"} 1\\.5$")
        .containsPattern("(?m)^lmctfy_controller_swap_window_open_seconds\\{resource=\"cpu\"} 0(\\.0)?$");
    // The values move with the core's.
    registrations[0] = 0;
    ops.get("create").merge(StatusCode.INVALID_ARGUMENT, 1L, Long::sum);
    assertThat(write(s))
        .containsPattern("(?m)^lmctfy_notification_registrations 0(\\.0)?$")
        .containsPattern("(?m)^lmctfy_api_operations_total\\{code=\"INVALID_ARGUMENT\",operation=\"create\"} 2(\\.0)?$");
    // Without the core's health service: none of its series, the scrape answers.
    assertThat(scrape(api)).doesNotContain("lmctfy_api_operations_total").doesNotContain("lmctfy_notification");
  }

  private static String write(Scrape s) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, s.collect());
    return out.toString(StandardCharsets.UTF_8);
  }
}
