package org.lmctfy.distribution;

import com.google.protobuf.TextFormat;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.lmctfy.api.proto.ContainerSpec;

/**
 * The soak's spec values, chosen so that the kernel holds them exactly and reads back to the same spec: cpu
 * limits on the grid where {@code shares = limit·1024/1000} is exact (multiples of 125), caps where
 * {@code quota = max_limit·250 µs} is, memory limits in whole MiB (pages) or unlimited.
 */
final class SoakSpecs {
  private SoakSpecs() {}

  /** 125 to 2000 milli-CPUs (128 to 2048 shares). */
  static long milliCpus(Random r) {
    return 125L * (1 + r.nextInt(16));
  }

  /** 100 to 2000 milli-CPUs (a cap of at most the 2 CPUs a small machine has). */
  static long maxMilliCpus(Random r) {
    return 100L * (1 + r.nextInt(20));
  }

  /** 64 MiB to 1 GiB in steps of 16 MiB, or unlimited (-1) one time in ten. */
  static long memoryBytes(Random r) {
    return r.nextInt(10) == 0 ? -1 : (64L + 16L * r.nextInt(61)) << 20;
  }

  /** The resources a spec isolates among those the soak sets (the implicit freezer is not named). */
  static Set<String> isolated(ContainerSpec spec) {
    Set<String> out = new TreeSet<>();
    if (spec.hasCpu()) {
      out.add("cpu");
    }
    if (spec.hasMemory()) {
      out.add("memory");
    }
    return out;
  }

  static String text(ContainerSpec spec) {
    return TextFormat.shortDebugString(spec);
  }
}
