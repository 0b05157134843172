package org.lmctfy.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.spi.cgroup.KernelErrors;
import org.lmctfy.spi.exec.HelperProcess;

/**
 * Starts commands through the native helper {@code lmctfy-exec} (native/), which joins the container's
 * cgroups before it execs, so the command never runs outside (DESIGN §5). The helper ships inside the
 * native jar and is extracted once into the state directory; {@link HelperProcess} (shared with lmctfy's
 * client, which starts a held helper of its own) speaks to it.
 */
final class ExecHelper {
  static final String RESOURCE = "/org/lmctfy/nativehelper/lmctfy-exec";

  private final Path stateDir;
  private volatile Path binary;

  ExecHelper(Path stateDir) {
    this.stateDir = stateDir;
  }

  /** Uses an installed helper (a distribution's {@code libexec/lmctfy-exec}) instead of the class path's. */
  ExecHelper(Path stateDir, Path installed) {
    this.stateDir = stateDir;
    this.binary = installed;
  }

  /** The helper binary, extracted from the classpath into {@code <state>/bin} when missing or changed. */
  Path binary() throws ContainerException {
    Path b = binary;
    if (b != null) {
      return b;
    }
    synchronized (this) {
      if (binary != null) {
        return binary;
      }
      try (InputStream in = ExecHelper.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw ContainerException.failedPrecondition("The exec helper " + RESOURCE + " is not on the class"
              + " path (the native bundle is missing)");
        }
        byte[] bytes = in.readAllBytes();
        Path dir = Files.createDirectories(stateDir.resolve("bin"));
        Path target = dir.resolve("lmctfy-exec-" + Integer.toHexString(Arrays.hashCode(bytes)));
        if (!Files.isExecutable(target) || Files.size(target) != bytes.length) {
          Path tmp = Files.createTempFile(dir, "lmctfy-exec", ".tmp");
          Files.write(tmp, bytes);
          Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        binary = target;
        return target;
      } catch (IOException e) {
        throw KernelErrors.map(e, "extract the exec helper into " + stateDir.resolve("bin"));
      }
    }
  }

  /**
   * Starts {@code command} inside {@code cgroupDirs}; returns its pid once it runs (execve succeeded).
   * HelperProcess validates the command first.
   */
  long start(List<Path> cgroupDirs, List<String> command, RunSpec spec, Map<String, String> environment,
      Path workingDirectory) throws ContainerException {
    return HelperProcess.start(binary(), cgroupDirs, command, spec, environment, workingDirectory);
  }
}
