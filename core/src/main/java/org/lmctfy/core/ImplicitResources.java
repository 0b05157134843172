package org.lmctfy.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.TreeSet;
import org.lmctfy.api.ContainerException;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.cgroup.KernelErrors;

/**
 * The resources every container gets (those whose controller claims an empty spec, e.g. freezer), as seen on
 * this machine so far, in {@code <state>/implicit-resources}. A create while one of them has no active
 * controller is UNAVAILABLE: the container would lack that resource for good (a freezer cgroup cannot be
 * given to a running container's processes afterwards without racing their forks). {@code init} forgets the
 * resources that are absent then, for a deployment that drops one on purpose.
 */
final class ImplicitResources {
  private final Path file;

  ImplicitResources(Path stateDir) {
    this.file = stateDir.resolve("implicit-resources");
  }

  Set<String> known() throws ContainerException {
    if (!file.toFile().exists()) { // the common case, without an exception thrown and caught
      return new TreeSet<>();
    }
    try {
      Set<String> out = new TreeSet<>();
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          out.add(line.strip());
        }
      }
      return out;
    } catch (NoSuchFileException e) {
      return new TreeSet<>();
    } catch (IOException e) {
      throw KernelErrors.map(e, "read " + file);
    }
  }

  /** Refuses a create that would miss an implicit resource; remembers new ones. */
  void requirePresent(Iterable<ResourceHandlerFactory> factories) throws ContainerException {
    Set<String> now = SpecResources.implicit(factories);
    Set<String> known = known();
    Set<String> missing = new TreeSet<>(known);
    missing.removeAll(now);
    if (!missing.isEmpty()) {
      throw ContainerException.unavailable("Resource" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
          + ", which every container gets, has no active controller (bundle missing or stopped): a container"
          + " created now would lack it for good. Retry when it is back, or run 'lmctfy init' to stop giving it"
          + " to new containers");
    }
    if (!known.containsAll(now)) {
      known.addAll(now);
      write(known);
    }
  }

  /** init: from now on, exactly the implicit resources present now. */
  void reset(Iterable<ResourceHandlerFactory> factories) throws ContainerException {
    Set<String> now = SpecResources.implicit(factories);
    if (!now.equals(known())) {
      write(now);
    }
  }

  private void write(Set<String> resources) throws ContainerException {
    try {
      Files.createDirectories(file.getParent());
      // A temp file of its own per writer: concurrent first creates write the same set.
      Path tmp = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".tmp");
      Files.writeString(tmp, String.join("\n", resources) + "\n");
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw KernelErrors.map(e, "write " + file);
    }
  }
}
