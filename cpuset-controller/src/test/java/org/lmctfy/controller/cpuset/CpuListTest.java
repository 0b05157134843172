package org.lmctfy.controller.cpuset;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import org.junit.jupiter.api.Test;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.CpuSpec;

class CpuListTest {
  @Test
  void rangeListsRoundTrip() throws ContainerException {
    for (String s : new String[] {"0", "0-3", "0,2,4-7", "1-2,5,64-65", "127"}) {
      assertThat(CpuList.format(CpuList.parse(s))).isEqualTo(s);
    }
    assertThat(CpuList.parse("").isEmpty()).isTrue();
  }

  @Test
  void masksAreSixtyFourCpusPerWord() {
    CpuSpec.Mask m = CpuSpec.Mask.newBuilder().addData(0b101).addData(1).build();
    BitSet b = CpuList.fromMask(m);
    assertThat(CpuList.format(b)).isEqualTo("0,2,64");
    assertThat(CpuList.toMask(b)).isEqualTo(m);
  }
}
