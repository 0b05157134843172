package org.lmctfy.controller.cpu;

/**
 * lmctfy's milli-CPU units mapped to kernel values, defined once (ARCHITECTURE.md § cgroup v1 and v2).
 * <ul>
 *   <li>limit (relative share): v1 {@code cpu.shares = max(2, limit·1024/1000)}; read back as
 *       {@code shares·1000/1024} (lmctfy, and Kubernetes after it).
 *   <li>cgroup2 {@code cpu.weight} from shares with the formula runc and crun use since
 *       opencontainers/cgroups#20: a quadratic in log2(shares) through (2→1), (1024→100), (262144→10000),
 *       so the default share maps to the default weight.
 *   <li>max_limit (hard cap): period 250 ms, {@code quota = max_limit·250 µs} (lmctfy), at least 1 ms.
 * </ul>
 */
final class CpuConversions {
  static final long PERIOD_US = 250_000;
  static final long MIN_SHARES = 2;
  static final long MAX_SHARES = 262_144;
  static final long MIN_QUOTA_US = 1_000;

  private CpuConversions() {}

  static long milliCpusToShares(long milliCpus) {
    return Math.min(MAX_SHARES, Math.max(MIN_SHARES, milliCpus * 1024 / 1000));
  }

  static long sharesToMilliCpus(long shares) {
    return shares < MIN_SHARES ? 0 : shares * 1000 / 1024;
  }

  /** runc's ConvertCPUSharesToCgroupV2Value. */
  static long sharesToWeight(long shares) {
    if (shares <= 2) {
      return 1;
    }
    if (shares >= MAX_SHARES) {
      return 10_000;
    }
    double l = Math.log(shares) / Math.log(2);
    double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
    return (long) Math.ceil(Math.pow(10, exponent));
  }

  /** The inverse of {@link #sharesToWeight}, for reading a spec back (exact at the fixed points). */
  static long weightToShares(long weight) {
    if (weight <= 1) {
      return MIN_SHARES;
    }
    if (weight >= 10_000) {
      return MAX_SHARES;
    }
    double e = Math.log10(weight) + 7.0 / 34.0;
    double l = (-125 + Math.sqrt(125.0 * 125.0 + 4 * 612.0 * e)) / 2;
    return Math.round(Math.pow(2, l));
  }

  static long milliCpusToQuotaUs(long milliCpus) {
    return milliCpus * PERIOD_US / 1000;
  }

  static long quotaToMilliCpus(long quotaUs, long periodUs) {
    return quotaUs * 1000 / periodUs;
  }
}
