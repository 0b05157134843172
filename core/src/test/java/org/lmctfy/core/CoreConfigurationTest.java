package org.lmctfy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.api.ContainerException;
import org.osgi.framework.BundleContext;

/**
 * The component's side of the typed configuration: a bad value in a new configuration is refused whole and the
 * API goes on with the settings it had; a bad first configuration opens nothing. No root needed: no container is
 * made, the cgroup root named does not exist.
 */
class CoreConfigurationTest {
  /** A framework with no lmctfy.* properties (no launcher flags). */
  private static final BundleContext NO_FLAGS = (BundleContext) Proxy.newProxyInstance(
      CoreConfigurationTest.class.getClassLoader(), new Class<?>[] {BundleContext.class}, (p, m, a) -> null);

  @Test
  void aBadValueInANewConfigurationChangesNothing(@TempDir Path tmp) throws Exception {
    ContainerApiComponent core = new ContainerApiComponent();
    core.activate(NO_FLAGS, Map.of("cgroup.root", "/lmctfy-test-never-made", "state.dir", tmp.toString()));
    try {
      CoreSettings before = core.settings();
      Path otherState = tmp.resolve("other");
      // state.dir alone is good, cgroup.root is not: neither is applied.
      assertThatThrownBy(() -> core.modified(NO_FLAGS, Map.of("cgroup.root", "relative/root", "state.dir",
          otherState.toString())))
          .isInstanceOf(ContainerException.class)
          .hasMessageContaining("cgroup.root = \"relative/root\"");
      assertThat(core.settings()).isSameAs(before);
      assertThat(core.settings().stateDir()).isEqualTo(tmp);
      assertThat(otherState).doesNotExist();
      // The API still answers on the old settings: the root it was given does not exist.
      assertThatThrownBy(() -> core.get("/")).isInstanceOf(ContainerException.class)
          .hasMessageContaining("lmctfy-test-never-made");
    } finally {
      core.deactivate();
    }
  }

  @Test
  void aBadFirstConfigurationOpensNothing(@TempDir Path tmp) {
    ContainerApiComponent core = new ContainerApiComponent();
    Path state = tmp.resolve("state");
    assertThatThrownBy(() -> core.activate(NO_FLAGS, Map.of("state.dir", "relative", "cgroup.root", "/x")))
        .hasMessageContaining("state.dir = \"relative\" is not an absolute path");
    assertThat(core.settings()).isNull();
    assertThat(Files.exists(state)).isFalse();
  }
}
