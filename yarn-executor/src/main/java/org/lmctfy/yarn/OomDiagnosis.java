package org.lmctfy.yarn;

import java.util.Optional;
import org.lmctfy.api.proto.MemoryStats;

/**
 * Whether a YARN container that ended was killed by the kernel's OOM killer, from lmctfy's memory statistics of
 * its container ({@code oom_kill_count}: cgroup v1 {@code memory.oom_control} "oom_kill", v2 {@code
 * memory.events} "oom_kill"), and the diagnostic YARN gets then. A container that exited 0 was not killed,
 * whatever a child of it met.
 */
public final class OomDiagnosis {
  private OomDiagnosis() {}

  /**
   * @param lmctfyName the container's lmctfy name
   * @param exitCode the container's exit code (its launch script's)
   * @param memory the memory statistics read before the container was destroyed
   * @param askMb the container's memory ask in MB
   * @return the diagnostic when the OOM killer ended it
   */
  public static Optional<String> of(String lmctfyName, int exitCode, MemoryStats memory, long askMb) {
    if (exitCode == 0 || memory.getOomKillCount() <= 0) {
      return Optional.empty();
    }
    String limit = memory.getLimit() > 0 ? memory.getLimit() + " bytes" : "none (not enforced)";
    return Optional.of("Container killed by the kernel's OOM killer in lmctfy container " + lmctfyName
        + ": it exceeded its memory limit of " + limit + " (" + askMb + " MB asked of YARN); "
        + memory.getOomKillCount() + " process(es) killed, peak usage "
        + (memory.hasMaxUsage() ? memory.getMaxUsage() + " bytes" : "unknown") + ", exit code " + exitCode + ".");
  }
}
