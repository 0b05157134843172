package org.lmctfy.spi.cgroup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;

/**
 * Typed access to cgroupfs control files and directories. Every write is one {@code write(2)} of the
 * whole value on a file opened without O_CREAT (cgroupfs takes a value per write; a missing file means the
 * kernel lacks the feature, which must surface, never be created) and without following a symbolic link. Errors carry the file and the value.
 */
public final class ControlFiles {
  // O_TRUNC is what a shell's "echo > file" does: cgroupfs ignores it, a fake tree then reads like the kernel.
  private static final Set<OpenOption> WRITE =
      Set.of(StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS);
  private static final Set<OpenOption> READ = Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
  /** How long rmdir retries EBUSY while exiting tasks leave the cgroup (ARCHITECTURE.md § cgroup v1 and v2). */
  private static final long RMDIR_BUSY_TIMEOUT_MS = 5_000;

  private ControlFiles() {}

  public static void write(Path dir, String file, String value) throws ContainerException {
    Path p = dir.resolve(file);
    byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
    try (FileChannel ch = FileChannel.open(p, WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      int n = ch.write(buf);
      if (n != bytes.length) {
        throw new ContainerException(StatusCode.INTERNAL,
            "short write of \"" + value + "\" to " + p + ": " + n + " of " + bytes.length + " bytes");
      }
    } catch (IOException e) {
      throw KernelErrors.map(e, "write \"" + value.strip() + "\" to " + p);
    }
  }

  public static void write(Path dir, String file, long value) throws ContainerException {
    write(dir, file, Long.toString(value));
  }

  public static String read(Path dir, String file) throws ContainerException {
    Path p = dir.resolve(file);
    try (FileChannel ch = FileChannel.open(p, READ)) {
      // cgroupfs files report size 0: read until EOF. kernfs hands a small file over in one read, so a
      // read that does not fill the buffer ends it (saving the EOF read on the hot stats path).
      ByteBuffer buf = ByteBuffer.allocate(4096);
      java.io.ByteArrayOutputStream out = null;
      while (ch.read(buf) >= 0) {
        if (out == null && buf.hasRemaining() && buf.position() > 0) {
          break;
        }
        if (!buf.hasRemaining()) {
          if (out == null) {
            out = new java.io.ByteArrayOutputStream();
          }
          out.write(buf.array(), 0, buf.position());
          buf.clear();
        }
      }
      if (out == null) {
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
      }
      out.write(buf.array(), 0, buf.position());
      return out.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw KernelErrors.map(e, "read " + p);
    }
  }

  /** The first line, trimmed. */
  public static String readLine(Path dir, String file) throws ContainerException {
    String s = read(dir, file);
    int nl = s.indexOf('\n');
    return (nl >= 0 ? s.substring(0, nl) : s).trim();
  }

  public static long readLong(Path dir, String file) throws ContainerException {
    String s = readLine(dir, file);
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new ContainerException(StatusCode.FAILED_PRECONDITION,
          "unparseable number \"" + s + "\" in " + dir.resolve(file));
    }
  }

  /** The numbers of a one-number-per-line file such as {@code cgroup.procs}. */
  public static List<Long> readLongs(Path dir, String file) throws ContainerException {
    String s = read(dir, file);
    List<Long> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= s.length(); i++) {
      if (i == s.length() || s.charAt(i) == '\n') {
        if (i > start) {
          try {
            out.add(Long.parseLong(s.substring(start, i).trim()));
          } catch (NumberFormatException e) {
            throw new ContainerException(StatusCode.FAILED_PRECONDITION,
                "unparseable line \"" + s.substring(start, i) + "\" in " + dir.resolve(file));
          }
        }
        start = i + 1;
      }
    }
    return out;
  }

  /**
   * Whether a control file exists. java.io.File: a stat that answers false, where Files.exists throws and
   * catches an exception for a missing file (Java 17) on the paths of every operation. (It follows symlinks;
   * cgroupfs has none.)
   */
  public static boolean exists(Path dir, String file) {
    return dir.resolve(file).toFile().exists();
  }

  /** Whether a cgroup directory exists (java.io.File, as {@link #exists}). */
  public static boolean isDirectory(Path dir) {
    return dir.toFile().isDirectory();
  }

  /** mkdir(2) of one cgroup; EEXIST → ALREADY_EXISTS, missing parent → NOT_FOUND. */
  public static void mkdir(Path dir) throws ContainerException {
    try {
      Files.createDirectory(dir);
    } catch (IOException e) {
      throw KernelErrors.map(e, "mkdir " + dir);
    }
  }

  /**
   * rmdir(2) of one cgroup, retrying EBUSY (tasks still exiting) for a bounded time. A missing directory
   * is not an error. Its process leaf ({@link ProcessLeaf}), if any, goes first: it is part of the cgroup.
   */
  public static void rmdir(Path dir) throws ContainerException {
    if (!ProcessLeaf.isLeaf(dir) && isDirectory(ProcessLeaf.of(dir))) {
      rmdir(ProcessLeaf.of(dir));
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RMDIR_BUSY_TIMEOUT_MS);
    long pauseNanos = TimeUnit.MICROSECONDS.toNanos(200);
    while (true) {
      try {
        Files.delete(dir);
        return;
      } catch (NoSuchFileException e) {
        return;
      } catch (IOException e) {
        // EBUSY only: ENOTEMPTY (child cgroups) will not go away by waiting.
        boolean busy = e instanceof FileSystemException
            && "Device or resource busy".equals(((FileSystemException) e).getReason());
        if (!busy || System.nanoTime() > deadline) {
          throw KernelErrors.map(e, "rmdir " + dir);
        }
        LockSupport.parkNanos(pauseNanos);
        pauseNanos = Math.min(pauseNanos * 2, TimeUnit.MILLISECONDS.toNanos(20));
      }
    }
  }

  /** Immediate subdirectories (child cgroups), sorted by name; empty when {@code dir} is missing. */
  public static List<Path> subdirectories(Path dir) throws ContainerException {
    List<Path> out = new ArrayList<>();
    int expected = -1;
    try {
      // A directory's link count is 2 + its subdirectories on cgroupfs (kernfs_refresh_inode) and tmpfs: one
      // stat answers the common case, a cgroup without children, instead of a stat per control file; with
      // children, the listing stops once it has found that many.
      Object links = Files.getAttribute(dir, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
      if (links instanceof Integer && (Integer) links == 2) {
        return out;
      }
      if (links instanceof Integer && (Integer) links > 2) {
        expected = (Integer) links - 2;
      }
    } catch (NoSuchFileException e) {
      return out;
    } catch (IOException | UnsupportedOperationException e) {
      // listed below
    }
    String[] names = dir.toFile().list();
    if (names == null) {
      if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        return out;
      }
      throw ContainerException.internal("Cannot list " + dir, null);
    }
    // Control files are named <controller>.<file> (v1 also has tasks, notify_on_release, release_agent):
    // names without a dot are looked at first, so a cgroup's few children are usually found in a few stats.
    java.util.Arrays.sort(names, java.util.Comparator.comparing((String n) -> n.indexOf('.') >= 0));
    for (String name : names) {
      if (expected >= 0 && out.size() == expected) {
        break;
      }
      Path p = dir.resolve(name);
      try {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isDirectory()) {
          out.add(p);
        }
      } catch (NoSuchFileException e) {
        // removed meanwhile
      } catch (IOException e) {
        throw KernelErrors.map(e, "list " + dir);
      }
    }
    out.sort(null);
    return out;
  }

  /**
   * Names of the entries of a directory (files and child cgroups), unsorted; empty when it is missing or
   * unreadable. (java.io.File.list: opendir/readdir, half the system calls of a DirectoryStream.)
   */
  public static List<String> entries(Path dir) {
    String[] names = dir.toFile().list();
    return names == null ? List.of() : List.of(names);
  }

  /** Removes a cgroup subtree deepest first (cgroupfs directories hold only kernel files). */
  public static void rmdirRecursive(Path dir) throws ContainerException {
    for (Path child : subdirectories(dir)) {
      rmdirRecursive(child);
    }
    rmdir(dir);
  }
}
