package org.lmctfy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;

/** The core's configuration (PID org.lmctfy.core): precedence, defaults, and bad values refused by key. */
class CoreSettingsTest {
  private final Map<String, String> framework = new HashMap<>();

  private CoreSettings from(Map<String, ?> config) throws ContainerException {
    return CoreSettings.from(framework::get, config);
  }

  @Test
  void defaultsWhenNothingIsSet() throws ContainerException {
    assertThat(from(Map.of())).isEqualTo(new CoreSettings("/", Path.of("/run/lmctfy"), null));
  }

  @Test
  void configurationIsReadByKeyAndNormalised() throws ContainerException {
    CoreSettings s = from(Map.of("cgroup.root", " /lmctfy// ", "state.dir", "/var/lib/lmctfy/", "exec.helper",
        "/opt/lmctfy/libexec/lmctfy-exec"));
    assertThat(s.cgroupRoot()).isEqualTo("/lmctfy");
    assertThat(s.stateDir()).isEqualTo(Path.of("/var/lib/lmctfy"));
    assertThat(s.execHelper()).isEqualTo(Path.of("/opt/lmctfy/libexec/lmctfy-exec"));
  }

  @Test
  void aFlagWinsOverTheConfigurationWhichWinsOverTheLaunchersDefault() throws ContainerException {
    framework.put("lmctfy.default.cgroup.root", "/from-etc");
    framework.put("lmctfy.default.state.dir", "/from-etc");
    assertThat(from(Map.of("cgroup.root", "/configured")).cgroupRoot()).isEqualTo("/configured");
    assertThat(from(Map.of()).stateDir()).isEqualTo(Path.of("/from-etc"));
    framework.put("lmctfy.cgroup.root", "/flag");
    assertThat(from(Map.of("cgroup.root", "/configured")).cgroupRoot()).isEqualTo("/flag");
  }

  @Test
  void aRelativeCgroupRootIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> from(Map.of("cgroup.root", "lmctfy", "state.dir", "/ok")))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT))
        .hasMessageContaining("configuration org.lmctfy.core: cgroup.root = \"lmctfy\" is not an absolute cgroup path")
        .hasMessageContaining("etc/org.lmctfy.core.cfg");
  }

  @Test
  void dotDotSegmentsAreRefused() {
    assertThatThrownBy(() -> from(Map.of("cgroup.root", "/a/../../etc")))
        .hasMessageContaining("cgroup.root = \"/a/../../etc\"");
  }

  @Test
  void aRelativeStateDirOrHelperIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> from(Map.of("state.dir", "run/lmctfy")))
        .hasMessageContaining("state.dir = \"run/lmctfy\" is not an absolute path");
    assertThatThrownBy(() -> from(Map.of("exec.helper", "lmctfy-exec")))
        .hasMessageContaining("exec.helper = \"lmctfy-exec\" is not an absolute path");
  }

  @Test
  void aBadFlagIsNamedAsTheFlag() {
    framework.put("lmctfy.cgroup.root", "relative");
    assertThatThrownBy(() -> from(Map.of()))
        .hasMessageContaining("framework property lmctfy.cgroup.root")
        .hasMessageContaining("cgroup.root = \"relative\"");
  }
}
