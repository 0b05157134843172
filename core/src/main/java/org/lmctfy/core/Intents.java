package org.lmctfy.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.StatusCode;
import org.lmctfy.spi.cgroup.KernelErrors;

/**
 * Write-ahead intents of the multi-step changes (docs/ARCHITECTURE.md, "Crash consistency"): before the first
 * kernel change of a create, destroy or update, a file {@code <state>/intents/<cgroup root>/<a:b>.<op>} says
 * which operation is under way and which process does it; the last step deletes it. A process of ours killed
 * in between (SIGKILL, at any instruction) leaves the intent behind; its owner being dead makes it stale, and
 * the next operation that meets it, or the next start of the API, finishes or undoes what it describes.
 *
 * <p>The owner is the pid plus its start time (field 22 of /proc/PID/stat), so that a reused pid never makes
 * a dead owner look alive. Crashes of the machine itself are out of scope: the state lives on tmpfs (/run),
 * cgroups and records vanish together at boot.
 */
final class Intents {
  enum Op {
    CREATE("create"), DESTROY("destroy"), UPDATE("update");

    final String suffix;

    Op(String suffix) {
      this.suffix = suffix;
    }
  }

  /** One intent as read back: its container, operation, owner and payload (the update's snapshot). */
  record Intent(ContainerName name, Op op, long pid, long startTime, byte[] payload) {
    /** The owner is gone: nobody will finish this operation but the next one that meets it. */
    boolean stale() {
      return !Owner.alive(pid, startTime);
    }

    String owner() {
      return "pid " + pid;
    }
  }

  private final Path dir;

  Intents(Path stateDir, String cgroupRoot) {
    Path r = stateDir.resolve("intents");
    this.dir = cgroupRoot.equals("/") ? r.resolve("_") : r.resolve(cgroupRoot.substring(1).replace('/', ':'));
  }

  private Path file(ContainerName name, Op op) {
    return dir.resolve(name.relativePath().replace('/', ':') + "." + op.suffix);
  }

  boolean has(ContainerName name, Op op) {
    return file(name, op).toFile().exists(); // no exception for a missing file
  }

  /** Whether {@code name} or one of its ancestors is being destroyed (the intent of a live or dead owner). */
  boolean destroying(ContainerName name) {
    if (name.depth() == 1) {
      return has(name, Op.DESTROY); // one stat either way
    }
    if (!dir.toFile().isDirectory()) {
      return false; // no intent at all: one stat instead of one per ancestor
    }
    for (ContainerName n = name; !n.isRoot(); n = n.parent()) {
      if (has(n, Op.DESTROY)) {
        return true;
      }
    }
    return false;
  }

  /** Records the intent of this process (atomically: a reader never sees half of it). */
  void write(ContainerName name, Op op, byte[] payload) throws ContainerException {
    write(name, op, payload, Owner.PID, Owner.START_TIME);
  }

  /**
   * Leaves an operation that failed half-way to whoever comes next: the intent stays, owned by nobody, so it
   * is stale at once (the next destroy, create of the name or start finishes it).
   */
  void abandon(ContainerName name, Op op) throws ContainerException {
    write(name, op, new byte[0], 0, 0);
  }

  private void write(ContainerName name, Op op, byte[] payload, long pid, long startTime)
      throws ContainerException {
    Path f = file(name, op);
    Path tmp = dir.resolve(f.getFileName() + "." + Owner.PID + "-" + Thread.currentThread().getId() + ".tmp");
    byte[] head = (pid + " " + startTime + "\n").getBytes(StandardCharsets.US_ASCII);
    byte[] all = Arrays.copyOf(head, head.length + payload.length);
    System.arraycopy(payload, 0, all, head.length, payload.length);
    try {
      try {
        Files.write(tmp, all);
      } catch (NoSuchFileException e) {
        Files.createDirectories(dir);
        Files.write(tmp, all);
      }
      try {
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw KernelErrors.map(e, "write the " + op.suffix + " intent of " + name + " to " + f);
    }
  }

  Optional<Intent> read(ContainerName name, Op op) throws ContainerException {
    Path f = file(name, op);
    if (!f.toFile().exists()) { // the common case, without an exception thrown and caught (Java 17's NIO)
      return Optional.empty();
    }
    byte[] all;
    try {
      all = Files.readAllBytes(f);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw KernelErrors.map(e, "read the " + op.suffix + " intent of " + name + " at " + f);
    }
    int nl = 0;
    while (nl < all.length && all[nl] != '\n') {
      nl++;
    }
    String[] owner = new String(all, 0, nl, StandardCharsets.US_ASCII).trim().split(" ");
    try {
      return Optional.of(new Intent(name, op, Long.parseLong(owner[0]), Long.parseLong(owner[1]),
          Arrays.copyOfRange(all, Math.min(nl + 1, all.length), all.length)));
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      // Written by rename only, so never torn; a damaged file has no live owner: stale.
      return Optional.of(new Intent(name, op, 0, 0, new byte[0]));
    }
  }

  void delete(ContainerName name, Op op) throws ContainerException {
    Path f = file(name, op);
    if (f.toFile().delete()) { // unlink(2) alone; NIO's delete does an lstat first
      return;
    }
    try {
      Files.deleteIfExists(f); // missing, or the error's reason
    } catch (IOException e) {
      throw KernelErrors.map(e, "delete the " + op.suffix + " intent of " + name + " at " + f);
    }
  }

  /**
   * Deletes the create intents of {@code n}'s children (under n's lock, which their creates hold: so none is
   * live): a create killed before its first mkdir leaves nothing else to find.
   */
  void deleteChildCreates(ContainerName n) throws ContainerException {
    String prefix = n.relativePath().replace('/', ':') + ":";
    String suffix = "." + Op.CREATE.suffix;
    for (String entry : org.lmctfy.spi.cgroup.ControlFiles.entries(dir)) {
      if (entry.startsWith(prefix) && entry.endsWith(suffix)
          && entry.indexOf(':', prefix.length()) < 0) {
        try {
          Files.deleteIfExists(dir.resolve(entry));
        } catch (IOException e) {
          throw KernelErrors.map(e, "delete the intent " + dir.resolve(entry));
        }
      }
    }
  }

  /** Whether any intent is on record (one directory read). */
  boolean any() {
    return !org.lmctfy.spi.cgroup.ControlFiles.entries(dir).isEmpty();
  }

  /** Every intent on record, shallow containers first (a parent's destroy before its children's). */
  List<Intent> all() throws ContainerException {
    List<Intent> out = new ArrayList<>();
    for (String entry : org.lmctfy.spi.cgroup.ControlFiles.entries(dir)) {
      int dot = entry.lastIndexOf('.');
      if (dot <= 0 || entry.endsWith(".tmp")) {
        continue;
      }
      Op op = null;
      for (Op o : Op.values()) {
        if (o.suffix.equals(entry.substring(dot + 1))) {
          op = o;
        }
      }
      if (op == null) {
        continue;
      }
      ContainerName name;
      try {
        name = ContainerName.of("/" + entry.substring(0, dot).replace(':', '/'));
      } catch (ContainerException e) {
        continue; // not a file of ours
      }
      read(name, op).ifPresent(out::add);
    }
    out.sort((a, b) -> a.name().compareTo(b.name()));
    return out;
  }

  /** Leftover temp files of dead writers. */
  void sweepTemporaries() {
    for (String entry : org.lmctfy.spi.cgroup.ControlFiles.entries(dir)) {
      if (entry.endsWith(".tmp")) {
        String[] parts = entry.split("\\.");
        try {
          long pid = Long.parseLong(parts[parts.length - 2].split("-")[0]);
          if (!Files.exists(Path.of("/proc", Long.toString(pid)))) {
            Files.deleteIfExists(dir.resolve(entry));
          }
        } catch (NumberFormatException | IOException e) {
          // not ours, or gone meanwhile
        }
      }
    }
  }

  /** This process, and whether another one is alive. */
  static final class Owner {
    static final long PID = ProcessHandle.current().pid();
    static final long START_TIME = startTime(PID);

    private Owner() {}

    static boolean alive(long pid, long startTime) {
      if (pid <= 0) {
        return false;
      }
      if (pid == PID) {
        return startTime == START_TIME;
      }
      long now = startTime(pid);
      return now >= 0 && now == startTime;
    }

    /** Field 22 of /proc/PID/stat (after the parenthesised command, which may hold spaces), or -1. */
    static long startTime(long pid) {
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[19]); // fields from 3 on: index 0 is field 3, so field 22 is index 19
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }
  }

  static ContainerException busy(Intent i) {
    return new ContainerException(StatusCode.UNAVAILABLE, "Container " + i.name() + " is being "
        + (i.op() == Op.DESTROY ? "destroyed" : i.op() == Op.CREATE ? "created" : "updated") + " by "
        + i.owner() + "; retry when it is done");
  }
}
