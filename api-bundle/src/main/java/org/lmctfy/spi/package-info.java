/**
 * The service provider interface: what a resource's controller bundle implements.
 *
 * <p>1.2.0: {@link org.lmctfy.spi.SignalledProbe}, a probe that tells the event loop when it needs reading
 * (a descriptor the kernel signals, the time of its next sample), so that idle registrations cost nothing.
 * 1.1.0: capabilities (pause state, processes), probe cursors across controller swaps, built-in resources.
 */
@Export
@Version("1.2.0")
package org.lmctfy.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
