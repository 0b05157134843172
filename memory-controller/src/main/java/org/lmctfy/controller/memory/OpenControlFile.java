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
    return open(dir, name, StandardOpenOption.READ);
  }

  /** Also writable, for files whose writes act on the descriptor (cgroup2's memory.peak reset). */
  static OpenControlFile openWritable(Path dir, String name) throws ContainerException {
    return open(dir, name, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  private static OpenControlFile open(Path dir, String name, StandardOpenOption... options)
      throws ContainerException {
    try {
      return new OpenControlFile(dir, name, FileChannel.open(dir.resolve(name), options));
    } catch (IOException | UnsupportedOperationException e) {
      throw e instanceof IOException ? KernelErrors.map((IOException) e, "open " + dir.resolve(name))
          : ContainerException.internal("open " + dir.resolve(name), e);
    }
  }

  /** One write(2) of {@code value} through this descriptor. */
  void write(String value) throws ContainerException {
    try {
      channel.write(ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII)), 0);
    } catch (IOException e) {
      throw failure(e, "write " + dir.resolve(name));
    }
  }

  private ContainerException failure(IOException e, String what) {
    return ControlFiles.isDirectory(dir) ? KernelErrors.map(e, what)
        : ContainerException.notFound("cgroup " + dir + " is gone");
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
      throw failure(e, "read " + dir.resolve(name));
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
