package org.lmctfy.core;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The core's configuration, PID {@code org.lmctfy.core} ({@code etc/org.lmctfy.core.cfg} in the distribution and
 * in Karaf). Typed and documented through the metatype service; {@link CoreSettings} refuses a bad value naming its
 * key. A launcher's flag (framework property {@code lmctfy.KEY}) wins over it.
 */
@ObjectClassDefinition(id = CoreSettings.PID, name = "lmctfy core",
    description = "The ContainerApi service: where containers live in the cgroup trees and where their records are.")
@interface CoreConfig {
  @AttributeDefinition(name = "cgroup root",
      description = "The absolute cgroup path of container / in every hierarchy, e.g. / or /lmctfy.")
  String cgroup_root() default CoreSettings.DEFAULT_CGROUP_ROOT;

  @AttributeDefinition(name = "State directory",
      description = "An absolute directory for container records, intents and lock files.")
  String state_dir() default CoreSettings.DEFAULT_STATE_DIR;

  @AttributeDefinition(name = "Exec helper", required = false,
      description = "An absolute path to lmctfy-exec; empty: the one in the native jar (fragment), extracted into"
          + " the state directory.")
  String exec_helper() default "";
}
