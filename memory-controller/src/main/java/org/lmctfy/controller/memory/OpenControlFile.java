package org.lmctfy.controller.memory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.lmctfy.api.ContainerException;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.KernelErrors;

/**
 * A control file a sampled event probe keeps open and re-reads with pread(2) from offset 0 (kernfs
 * produces a file's content afresh for every read from its start): one system call per sample instead of
 * open, read and close, and no path lookup. Once the cgroup is removed the reads fail (ENODEV): NOT_FOUND.
 */
final class OpenControlFile implements AutoCloseable {
  private final Path dir;
  private final String name;
  private final FileChannel channel;
  private final ByteBuffer buf = ByteBuffer.allocate(4096);

  private OpenControlFile(Path dir, String name, FileChannel channel) {
    this.dir = dir;
    this.name = name;
    this.channel = channel;
  }

  /** NOT_FOUND when the cgroup or the file is missing. */
  static OpenControlFile open(Path dir, String name) throws ContainerException {
    try {
      return new OpenControlFile(dir, name, FileChannel.open(dir.resolve(name), StandardOpenOption.READ));
    } catch (IOException e) {
      throw KernelErrors.map(e, "open " + dir.resolve(name));
    }
  }

  String read() throws ContainerException {
    buf.clear();
    try {
      while (buf.hasRemaining()) {
        if (channel.read(buf, buf.position()) <= 0) {
          break;
        }
      }
    } catch (IOException e) {
      if (!ControlFiles.isDirectory(dir)) {
        throw ContainerException.notFound("cgroup " + dir + " is gone");
      }
      throw KernelErrors.map(e, "read " + dir.resolve(name));
    }
    buf.flip();
    return StandardCharsets.US_ASCII.decode(buf).toString();
  }

  long readLong() throws ContainerException {
    String s = read().trim();
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw ContainerException.internal("not a number in " + dir.resolve(name) + ": " + s, e);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // a read-only descriptor: nothing to lose
    }
  }
}
