@Export
@Version("1.1.0")
package org.lmctfy.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
