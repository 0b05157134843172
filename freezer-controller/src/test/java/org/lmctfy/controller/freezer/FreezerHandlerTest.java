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
import org.lmctfy.spi.PauseStateCapability;

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

  /** What the core asks instead of reading freezer files: whether a pause holds the container's processes. */
  @Test
  void v1PauseStateComesFromFreezerStateAndSelfFreezing() throws Exception {
    FakeCgroup f = FakeCgroup.of(tmp, false, List.of("freezer"), "freezer.state", "freezer.self_freezing");
    f.set("freezer.state", "THAWED");
    f.set("freezer.self_freezing", "0");
    PauseStateCapability h = (PauseStateCapability) new FreezerFactory().attach(f.context).orElseThrow();
    assertThat(h.pausedState()).isEmpty();
    assertThat(h.holdsKilledProcesses()).isFalse();
    f.set("freezer.state", "FREEZING"); // e.g. through a paused parent: not self_freezing
    assertThat(h.pausedState()).hasValueSatisfying(s -> assertThat(s).startsWith("FREEZING in "));
    assertThat(h.holdsKilledProcesses()).isFalse();
    f.set("freezer.state", "FROZEN");
    f.set("freezer.self_freezing", "1");
    assertThat(h.pausedState()).hasValueSatisfying(s -> assertThat(s).startsWith("FROZEN in "));
    assertThat(h.holdsKilledProcesses()).as("v1: frozen tasks ignore SIGKILL").isTrue();
  }

  @Test
  void v2PauseStateComesFromCgroupEventsAndNeverHoldsKilledProcesses() throws Exception {
    FakeCgroup f = FakeCgroup.of(tmp, true, List.of(), "cgroup.freeze", "cgroup.events");
    f.set("cgroup.events", "populated 1\nfrozen 0\n");
    PauseStateCapability h = (PauseStateCapability) new FreezerFactory().attach(f.context).orElseThrow();
    assertThat(h.pausedState()).isEmpty();
    f.set("cgroup.events", "populated 1\nfrozen 1\n");
    assertThat(h.pausedState()).hasValueSatisfying(s -> assertThat(s).startsWith("FROZEN in "));
    assertThat(h.holdsKilledProcesses()).as("cgroup2: SIGKILL ends frozen tasks").isFalse();
  }
}
