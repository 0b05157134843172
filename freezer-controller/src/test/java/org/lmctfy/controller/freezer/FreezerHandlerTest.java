package org.lmctfy.controller.freezer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.core.testing.FakeCgroup;
import org.lmctfy.spi.FreezerCapability;

class FreezerHandlerTest {
  @TempDir Path tmp;

  @Test
  void v1WritesFreezerState() throws Exception {
    FakeCgroup f = FakeCgroup.of(tmp, false, List.of("freezer"), "freezer.state");
    FreezerCapability h = (FreezerCapability) new FreezerFactory().attach(f.context).orElseThrow();
    h.freeze();
    assertThat(f.read("freezer.state")).isEqualTo("FROZEN");
    h.thaw();
    assertThat(f.read("freezer.state")).isEqualTo("THAWED");
  }

  @Test
  void v2WritesCgroupFreezeAndNeverLeavesAStuckFreezeBehind() throws Exception {
    FakeCgroup f = FakeCgroup.of(tmp, true, List.of(), "cgroup.freeze", "cgroup.events");
    f.set("cgroup.events", "populated 1\nfrozen 1\n");
    FreezerCapability h = (FreezerCapability) new FreezerFactory().attach(f.context).orElseThrow();
    h.freeze();
    assertThat(f.read("cgroup.freeze")).isEqualTo("1");
    // A freeze the kernel never completes: bounded, then undone.
    f.set("cgroup.events", "populated 1\nfrozen 0\n");
    f.set("cgroup.freeze", "0");
    assertThatThrownBy(h::freeze).isInstanceOfSatisfying(ContainerException.class,
        e -> assertThat(e.code()).isEqualTo(StatusCode.DEADLINE_EXCEEDED)).hasMessageContaining("thawed again");
    assertThat(f.read("cgroup.freeze")).isEqualTo("0");
  }
}
