/**
 * The health of the {@code ContainerApi} service, for monitoring (the metrics bundle): operations answered by
 * status code, notification registrations, controller swap windows. A package of its own, apart from
 * {@code org.lmctfy.api}: clients of the container API never need it, and it versions on its own.
 *
 * <p>1.0.0: {@link org.lmctfy.api.health.ApiHealth}.
 */
@Export
@Version("1.0.0")
package org.lmctfy.api.health;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
