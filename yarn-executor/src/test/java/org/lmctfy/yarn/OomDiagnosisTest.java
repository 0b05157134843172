package org.lmctfy.yarn;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.lmctfy.api.proto.MemoryStats;

class OomDiagnosisTest {
  private static final String NAME = "/yarn/application_1_0001/container_1_0001_01_000002";

  @Test
  void anOomKillNamesLmctfyTheContainerAndTheLimit() {
    MemoryStats m = MemoryStats.newBuilder().setLimit(134217728).setOomKillCount(1).setMaxUsage(134217728).build();
    assertThat(OomDiagnosis.of(NAME, 137, m, 128)).hasValueSatisfying(d -> assertThat(d)
        .contains("OOM killer").contains("lmctfy container " + NAME).contains("134217728 bytes")
        .contains("128 MB asked of YARN").contains("exit code 137"));
  }

  @Test
  void noOomKillIsNoDiagnosis() {
    MemoryStats m = MemoryStats.newBuilder().setLimit(134217728).setOomKillCount(0).build();
    assertThat(OomDiagnosis.of(NAME, 137, m, 128)).isEmpty();
    assertThat(OomDiagnosis.of(NAME, 1, MemoryStats.getDefaultInstance(), 128)).isEmpty();
  }

  @Test
  void aContainerThatExitedCleanlyWasNotKilledWhateverAChildMet() {
    MemoryStats m = MemoryStats.newBuilder().setLimit(134217728).setOomKillCount(3).build();
    assertThat(OomDiagnosis.of(NAME, 0, m, 128)).isEmpty();
  }

  @Test
  void anUnlimitedContainerSaysSo() {
    MemoryStats m = MemoryStats.newBuilder().setLimit(-1).setOomKillCount(1).build();
    assertThat(OomDiagnosis.of(NAME, 137, m, 128)).hasValueSatisfying(d -> assertThat(d).contains("none (not enforced)"));
  }
}
