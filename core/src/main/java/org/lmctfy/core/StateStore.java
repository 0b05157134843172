package org.lmctfy.core;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
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
 * The per-container records (ARCHITECTURE.md § State): what cgroupfs cannot hold — the spec as requested, which
 * resources the container isolates and the cgroups each made. One flat file per container,
 * {@code <state>/records/<cgroup root>/<a:b:c>.record} for container {@code /a/b/c} (':' never occurs in a
 * name, so the mapping is one to one), written atomically by temp file and rename.
 */
final class StateStore {
  private static final String SUFFIX = ".record";

  private final Path records;

  StateStore(Path stateDir, String cgroupRoot) {
    Path r = stateDir.resolve("records");
    this.records = cgroupRoot.equals("/") ? r.resolve("_") : r.resolve(cgroupRoot.substring(1).replace('/', ':'));
  }

  private Path file(ContainerName name) {
    return records.resolve(name.relativePath().replace('/', ':') + SUFFIX);
  }

  boolean exists(ContainerName name) {
    return file(name).toFile().exists(); // java.io.File: no exception for a missing file (Files.exists on 17)
  }

  /**
   * Records read lately, each with the file's identity when read: a record is only ever replaced by rename, so
   * a file with the same inode and modification time holds the same record. One stat instead of open, read
   * and parse; one operation reads a record several times (run: exists, spec, handlers, namespaces). Other
   * processes (lmctfyd, a CLI) write the same files: the stat sees their renames.
   */
  private final java.util.concurrent.ConcurrentHashMap<ContainerName, Cached> cache =
      new java.util.concurrent.ConcurrentHashMap<>();
  private static final int CACHE_MAX = 4096;

  private record Cached(Object fileKey, long modified, long size, ContainerRecord record) {}

  Optional<ContainerRecord> read(ContainerName name) throws ContainerException {
    Path f = file(name);
    // The common "not yet" of a create, without an exception thrown and caught; a record read before (the
    // common case: one operation reads its record several times) is looked at with one stat, not two.
    if (!cache.containsKey(name) && !f.toFile().exists()) {
      return Optional.empty();
    }
    try {
      java.nio.file.attribute.BasicFileAttributes a =
          Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class);
      long modified = a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
      Cached c = cache.get(name);
      if (c != null && a.fileKey() != null && a.fileKey().equals(c.fileKey()) && c.modified() == modified
          && c.size() == a.size()) {
        return Optional.of(c.record());
      }
      ContainerRecord r = ContainerRecord.parseFrom(Files.readAllBytes(f));
      if (cache.size() >= CACHE_MAX) {
        cache.clear();
      }
      if (a.fileKey() != null && r.getSerializedSize() == a.size()) { // not replaced between stat and read
        cache.put(name, new Cached(a.fileKey(), modified, a.size(), r));
      }
      return Optional.of(r);
    } catch (NoSuchFileException e) {
      cache.remove(name);
      return Optional.empty();
    } catch (IOException e) {
      throw new ContainerException(StatusCode.DATA_LOSS, "cannot read the record of " + name + " at " + f, e);
    }
  }

  void write(ContainerName name, ContainerRecord record) throws ContainerException {
    Path f = file(name);
    Path tmp = records.resolve(f.getFileName() + ".tmp");
    try {
      try {
        Files.write(tmp, record.toByteArray());
      } catch (NoSuchFileException e) {
        Files.createDirectories(records); // the first record under this root
        Files.write(tmp, record.toByteArray());
      }
      try {
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw KernelErrors.map(e, "write the record of " + name + " to " + f);
    }
  }

  void delete(ContainerName name) throws ContainerException {
    cache.remove(name);
    Path f = file(name);
    if (f.toFile().delete()) { // unlink(2) alone; NIO's delete does an lstat first
      return;
    }
    try {
      Files.deleteIfExists(f); // missing, or the error's reason
    } catch (IOException e) {
      throw KernelErrors.map(e, "delete the record of " + name + " at " + f);
    }
  }
}
