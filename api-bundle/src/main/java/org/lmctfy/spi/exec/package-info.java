/**
 * Starting commands inside containers through lmctfy's native exec helper ({@code lmctfy-exec}): the core's
 * {@code run}, and a client that starts a command of its own and has lmctfyd place it (a non-root user's
 * {@code lmctfy run -n}).
 */
@Export
@Version("1.0.0")
package org.lmctfy.spi.exec;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
