package org.lmctfy.launcher.daemon;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.Request;

/**
 * lmctfyd's framing: each message preceded by its length as a base-128 varint (protobuf's delimited format),
 * at most {@link #MAX_FRAME} bytes.
 */
public final class Frames {
  /** The largest frame either side accepts. */
  public static final int MAX_FRAME = 4 << 20;

  private Frames() {}

  /** A frame that cannot be read: the connection is closed after an error reply. */
  public static final class BadFrame extends IOException {
    public BadFrame(String message) {
      super(message);
    }
  }

  /** Called when a frame's first byte arrives and when it is complete (the daemon's slow-frame reaper). */
  public interface Progress {
    /** For a reader that bounds nothing (a client). */
    Progress NONE = new Progress() {
      @Override
      public void frameStarted() {}

      @Override
      public void frameDone() {}
    };

    void frameStarted();

    void frameDone();
  }

  /**
   * Reads one frame's payload; null on a clean end of stream between frames.
   *
   * @throws BadFrame on an over-long varint, an oversized length, or a stream ending inside a frame
   */
  public static byte[] read(InputStream in, Progress progress) throws IOException {
    int first = in.read();
    if (first < 0) {
      return null;
    }
    progress.frameStarted();
    long len = first & 0x7f;
    int shift = 7;
    int b = first;
    while ((b & 0x80) != 0) {
      if (shift > 28) {
        throw new BadFrame("malformed length prefix (varint longer than 5 bytes)");
      }
      b = in.read();
      if (b < 0) {
        throw new BadFrame("truncated frame: the stream ended inside the length prefix");
      }
      len |= (long) (b & 0x7f) << shift;
      shift += 7;
    }
    if (len > MAX_FRAME) {
      throw new BadFrame("frame of " + len + " bytes exceeds the limit of " + MAX_FRAME);
    }
    // Memory grows with the bytes that arrive, not with the length a client announces: 256 connections
    // announcing 4 MiB each and sending nothing more would otherwise hold 1 GiB until the reaper comes.
    byte[] payload = in.readNBytes((int) len);
    if (payload.length < len) {
      throw new BadFrame("truncated frame: " + payload.length + " of " + len + " bytes arrived");
    }
    progress.frameDone();
    return payload;
  }

  /**
   * Reads and decodes the daemon's next request; null on a clean end of stream between frames.
   *
   * @throws ContainerException INVALID_ARGUMENT for a bad frame or one that is not a Request (the daemon
   *     replies with it and closes the connection)
   * @throws IOException when the connection fails
   */
  static Request readRequest(InputStream in, Progress progress) throws IOException, ContainerException {
    byte[] frame;
    try {
      frame = read(in, progress);
    } catch (BadFrame e) {
      throw ContainerException.invalidArgument("lmctfyd: " + e.getMessage());
    }
    if (frame == null) {
      return null;
    }
    try {
      return Request.parseFrom(frame);
    } catch (InvalidProtocolBufferException e) {
      throw ContainerException.invalidArgument("lmctfyd: not a Request message: " + e.getMessage());
    }
  }

  public static void write(OutputStream out, MessageLite m) throws IOException {
    m.writeDelimitedTo(out);
    out.flush();
  }

  /**
   * Streams over a socket channel that read and write without a shared lock (the JDK's
   * {@code Channels.newInputStream/newOutputStream} both hold the channel's blocking lock, so a blocked read
   * would stall a notification being written).
   */
  public static InputStream input(SocketChannel ch) {
    return new InputStream() {
      private final ByteBuffer one = ByteBuffer.allocate(1);

      @Override
      public int read() throws IOException {
        one.clear();
        int n;
        do {
          n = ch.read(one);
        } while (n == 0);
        return n < 0 ? -1 : one.get(0) & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        int n;
        do {
          n = ch.read(ByteBuffer.wrap(b, off, len));
        } while (n == 0);
        return n;
      }
    };
  }

  public static OutputStream output(SocketChannel ch) {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        while (buf.hasRemaining()) {
          if (ch.write(buf) < 0) {
            throw new EOFException("connection closed");
          }
        }
      }
    };
  }
}
