package org.lmctfy.launcher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz test of lmctfyd's framing: any byte stream is a sequence of frames, each exactly the bytes its length
 * prefix announced, ending cleanly or with one BadFrame; never another exception, and the memory a frame
 * takes is bounded by the bytes that arrived, not by the length a client announces. Regression inputs:
 * {@code FramesFuzzTestInputs/<method>/}; README, "Fuzzing", says how to fuzz.
 */
class FramesFuzzTest {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  /** Above what the input can explain: what the first use of a code path allocates (classes, call sites). */
  private static final long SLACK = 1 << 20;

  static {
    // Load and link every path of the reader once, so that allocation is measured for the frames alone.
    for (byte[] warmUp : new byte[][] {{0}, {2, 8, 1}, {(byte) 0x80}, {5, 1}, {(byte) 0xff, (byte) 0xff, (byte) 0xff,
        (byte) 0xff, (byte) 0xff, 1}, {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f}}) {
      InputStream in = new ShortReads(new ByteArrayInputStream(warmUp), 7);
      try {
        while (Frames.read(in, new CountingProgress()) != null) {
          // next frame
        }
      } catch (IOException e) {
        // the bad ones
      }
    }
  }

  @FuzzTest
  @Timeout(5)
  void anyBytesAreFramesOrOneBadFrame(byte[] input) throws IOException {
    // A socket delivers a few bytes per read: the reader must assemble frames from short reads.
    ByteArrayInputStream bytes = new ByteArrayInputStream(input);
    InputStream in = new ShortReads(bytes, 7);
    CountingProgress progress = new CountingProgress();
    // Read everything first (assertions load classes, which allocates), then check.
    List<byte[]> frames = new ArrayList<>();
    List<Integer> ends = new ArrayList<>();
    String bad = null;
    long allocatedBefore = THREADS.getCurrentThreadAllocatedBytes();
    while (true) {
      byte[] frame;
      try {
        frame = Frames.read(in, progress);
      } catch (Frames.BadFrame e) {
        bad = e.getMessage();
        break;
      }
      if (frame == null) {
        break;
      }
      frames.add(frame);
      ends.add(input.length - bytes.available());
    }
    long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore;

    assertThat(allocated).as("bytes allocated reading %d input bytes", input.length)
        .isLessThan(4L * input.length + SLACK);
    int start = 0;
    for (int i = 0; i < frames.size(); i++) {
      byte[] frame = frames.get(i);
      int end = ends.get(i);
      // The payload is the last frame.length bytes read; before it, a length prefix of 1 to 5 bytes.
      assertThat(frame.length).isLessThanOrEqualTo(Frames.MAX_FRAME);
      assertThat(end - frame.length - start).isBetween(1, 5);
      assertThat(frame).isEqualTo(Arrays.copyOfRange(input, end - frame.length, end));
      start = end;
    }
    if (bad == null) {
      assertThat(bytes.available()).isZero();
    } else {
      assertThat(bad).isNotBlank();
    }
    assertThat(progress.done).isEqualTo(frames.size());
    assertThat(progress.started).isEqualTo(frames.size() + (bad != null ? 1 : 0));
  }

  private static final class CountingProgress implements Frames.Progress {
    int started;
    int done;

    @Override
    public void frameStarted() {
      started++;
    }

    @Override
    public void frameDone() {
      done++;
    }
  }

  /** At most {@code max} bytes per read, as a socket may deliver them. */
  static final class ShortReads extends InputStream {
    private final InputStream in;
    private final int max;

    ShortReads(InputStream in, int max) {
      this.in = in;
      this.max = max;
    }

    @Override
    public int read() throws IOException {
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return in.read(b, off, Math.min(len, max));
    }
  }
}
