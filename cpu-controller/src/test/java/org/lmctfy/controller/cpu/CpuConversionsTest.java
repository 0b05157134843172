package org.lmctfy.controller.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CpuConversionsTest {
  @ParameterizedTest
  @CsvSource({"0,2", "1,2", "500,512", "1000,1024", "2000,2048", "256000,262144", "999999,262144"})
  void milliCpusToSharesAsLmctfy(long milli, long shares) {
    assertThat(CpuConversions.milliCpusToShares(milli)).isEqualTo(shares);
  }

  @ParameterizedTest
  @CsvSource({"2,1", "1024,100", "262144,10000", "1,1", "300000,10000"})
  void sharesToWeightAsRuncAndCrun(long shares, long weight) {
    // opencontainers/cgroups#20: the default share (1024) maps to the default weight (100), not 39.
    assertThat(CpuConversions.sharesToWeight(shares)).isEqualTo(weight);
  }

  @Test
  void weightConversionRoundTrips() {
    // Weights are coarse below ~256 shares (weight < 30), so only larger shares read back closely.
    for (long shares = 256; shares <= 262144; shares = shares * 3 / 2 + 1) {
      long back = CpuConversions.weightToShares(CpuConversions.sharesToWeight(shares));
      assertThat((double) back).as("shares %d", shares).isCloseTo(shares,
          org.assertj.core.data.Percentage.withPercentage(5));
    }
    for (long w = 1; w <= 10000; w += 7) {
      assertThat(CpuConversions.sharesToWeight(CpuConversions.weightToShares(w))).as("weight %d", w)
          .isBetween(w - 1, w + 1);
    }
  }

  @Test
  void quotaFromMilliCpusWithLmctfysPeriod() {
    assertThat(CpuConversions.milliCpusToQuotaUs(250)).isEqualTo(62_500);
    assertThat(CpuConversions.milliCpusToQuotaUs(1000)).isEqualTo(250_000);
    assertThat(CpuConversions.quotaToMilliCpus(62_500, 250_000)).isEqualTo(250);
    assertThat(CpuConversions.quotaToMilliCpus(50_000, 100_000)).isEqualTo(500);
  }
}
