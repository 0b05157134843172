/**
 * Starting commands inside containers through lmctfy's native exec helper ({@code lmctfy-exec}): the core's
 * {@code run}, and a client that starts a command of its own and has lmctfyd place it (a non-root user's
 * {@code lmctfy run -n}). Since 1.1: inside namespaces too ({@link org.lmctfy.spi.exec.Namespaces}: joined,
 * or new ones for a virtual host whose init, {@code lmctfy-nsinit}, ships beside the helper).
 *
 * <p>1.1.0 (not in release 0.1.0, which had no such package): bumped from 1.0.0 all the same, so that a
 * bundle built against {@code Namespaces} imports {@code [1.1,2)} and never resolves against an api bundle of
 * this development line that lacks it.
 *
 * <p>1.2: {@link org.lmctfy.spi.exec.HelperServer}, one long-lived helper that forks a helper per command
 * instead of a JVM spawn per command.
 */
@Export
@Version("1.3.0")
package org.lmctfy.spi.exec;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
