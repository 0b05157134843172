package org.lmctfy.core;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.ContainerRecord;
import org.lmctfy.spi.cgroup.KernelErrors;

/**
 * The per-container records (DESIGN §4): what cgroupfs cannot hold — the spec as requested, which
 * resources the container isolates and the cgroups each made. One file per container at
 * {@code <state>/records/<cgroup path>/.record} (names never start with '.', so it cannot collide with a
 * child), written atomically by temp file and rename.
 */
final class StateStore {
  private static final String RECORD = ".record";

  private final Path records;

  StateStore(Path stateDir, String cgroupRoot) {
    Path r = stateDir.resolve("records");
    this.records = cgroupRoot.equals("/") ? r : r.resolve(cgroupRoot.substring(1));
  }

  private Path dir(ContainerName name) {
    return name.isRoot() ? records : records.resolve(name.relativePath());
  }

  boolean exists(ContainerName name) {
    return Files.exists(dir(name).resolve(RECORD));
  }

  Optional<ContainerRecord> read(ContainerName name) throws ContainerException {
    Path f = dir(name).resolve(RECORD);
    try {
      return Optional.of(ContainerRecord.parseFrom(Files.readAllBytes(f)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new ContainerException(StatusCode.DATA_LOSS, "cannot read the record of " + name + " at " + f, e);
    }
  }

  void write(ContainerName name, ContainerRecord record) throws ContainerException {
    Path d = dir(name);
    Path tmp = d.resolve(RECORD + ".tmp");
    try {
      Files.createDirectories(d);
      Files.write(tmp, record.toByteArray());
      try {
        Files.move(tmp, d.resolve(RECORD), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, d.resolve(RECORD), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw KernelErrors.map(e, "write the record of " + name + " to " + d);
    }
  }

  void delete(ContainerName name) throws ContainerException {
    Path d = dir(name);
    try {
      Files.deleteIfExists(d.resolve(RECORD));
      Files.deleteIfExists(d.resolve(RECORD + ".tmp"));
      if (!name.isRoot()) {
        try {
          Files.deleteIfExists(d);
        } catch (DirectoryNotEmptyException e) {
          // a child's record still lives here; it goes with the child
        }
      }
    } catch (IOException e) {
      throw KernelErrors.map(e, "delete the record of " + name + " in " + d);
    }
  }
}
