package org.lmctfy.yarn;

import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;

/**
 * lmctfy's names for YARN's ids: every YARN container is {@code <parent>/<application>/<container>} (default
 * parent {@code /yarn}), e.g. {@code /yarn/application_1700000000000_0001/container_1700000000000_0001_01_000002}.
 * YARN's ids use only {@code [A-Za-z0-9_]}, inside lmctfy's name alphabet.
 */
public final class YarnContainerNames {
  private final String parent;

  /**
   * @param parent the lmctfy container holding every application's container (absolute)
   * @throws IllegalArgumentException when {@code parent} is not an absolute lmctfy name below {@code /}
   */
  public YarnContainerNames(String parent) {
    String p;
    try {
      p = ContainerName.of(parent).toString();
    } catch (ContainerException e) {
      throw new IllegalArgumentException("Invalid lmctfy container name for YARN's containers \"" + parent + "\": "
          + e.getMessage(), e);
    }
    if (parent == null || !parent.startsWith("/") || p.equals("/")) {
      throw new IllegalArgumentException("YARN's containers need an absolute lmctfy container below /, got \""
          + parent + "\"");
    }
    this.parent = p;
  }

  /** The container every application's container lives in. */
  public String parent() {
    return parent;
  }

  /** The container of an application: the parent of its YARN containers. */
  public String application(ApplicationId app) {
    return parent + "/" + app;
  }

  /** The lmctfy container of a YARN container. */
  public String container(ContainerId id) {
    return application(id.getApplicationAttemptId().getApplicationId()) + "/" + id;
  }
}
