package org.lmctfy.yarn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.hadoop.yarn.api.records.ApplicationAttemptId;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.junit.jupiter.api.Test;
import org.lmctfy.api.ContainerName;

class YarnContainerNamesTest {
  private static final ApplicationId APP = ApplicationId.newInstance(1700000000000L, 7);

  @Test
  void containerLivesInItsApplicationsContainerBelowTheParent() throws Exception {
    ContainerId id = ContainerId.newContainerId(ApplicationAttemptId.newInstance(APP, 2), 42);
    YarnContainerNames names = new YarnContainerNames("/yarn");
    assertThat(names.application(APP)).isEqualTo("/yarn/application_1700000000000_0007");
    assertThat(names.container(id)).isEqualTo("/yarn/application_1700000000000_0007/container_1700000000000_0007_02_000042");
    // A valid lmctfy name, unchanged by lmctfy's own parser.
    assertThat(ContainerName.of(names.container(id)).toString()).isEqualTo(names.container(id));
  }

  @Test
  void containerIdsWithAnEpochAreValidNamesToo() throws Exception {
    ContainerId id = ContainerId.fromString("container_e17_1700000000000_0007_01_000003");
    String name = new YarnContainerNames("/clusters/yarn").container(id);
    assertThat(name).isEqualTo("/clusters/yarn/application_1700000000000_0007/container_e17_1700000000000_0007_01_000003");
    assertThat(ContainerName.of(name).toString()).isEqualTo(name);
  }

  @Test
  void parentIsNormalisedAndMustBeAbsoluteAndBelowTheRoot() {
    assertThat(new YarnContainerNames("/yarn//").parent()).isEqualTo("/yarn");
    assertThatThrownBy(() -> new YarnContainerNames("yarn")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("absolute");
    assertThatThrownBy(() -> new YarnContainerNames("/")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new YarnContainerNames("/ya rn")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ya rn");
  }
}
