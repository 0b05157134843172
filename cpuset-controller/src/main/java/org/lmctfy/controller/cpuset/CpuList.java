package org.lmctfy.controller.cpuset;

import java.util.BitSet;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.CpuSpec;

/** CPU sets as lmctfy's 64-bit mask words and as the kernel's range lists ("0-3,8"). */
final class CpuList {
  private CpuList() {}

  static BitSet fromMask(CpuSpec.Mask mask) {
    long[] words = new long[mask.getDataCount()];
    for (int i = 0; i < words.length; i++) {
      words[i] = mask.getData(i);
    }
    return BitSet.valueOf(words);
  }

  static CpuSpec.Mask toMask(BitSet cpus) {
    CpuSpec.Mask.Builder m = CpuSpec.Mask.newBuilder();
    for (long w : cpus.toLongArray()) {
      m.addData(w);
    }
    return m.build();
  }

  static BitSet parse(String list) throws ContainerException {
    BitSet out = new BitSet();
    String s = list.trim();
    if (s.isEmpty()) {
      return out;
    }
    for (String part : s.split(",")) {
      try {
        int dash = part.indexOf('-');
        if (dash < 0) {
          out.set(Integer.parseInt(part.trim()));
        } else {
          out.set(Integer.parseInt(part.substring(0, dash).trim()), Integer.parseInt(part.substring(dash + 1).trim()) + 1);
        }
      } catch (NumberFormatException | IndexOutOfBoundsException e) {
        throw ContainerException.failedPrecondition("unparseable CPU list \"" + list + "\"");
      }
    }
    return out;
  }

  static String format(BitSet cpus) {
    StringBuilder b = new StringBuilder();
    for (int i = cpus.nextSetBit(0); i >= 0; ) {
      int end = cpus.nextClearBit(i) - 1;
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(i);
      if (end > i) {
        b.append('-').append(end);
      }
      i = cpus.nextSetBit(end + 1);
    }
    return b.toString();
  }
}
