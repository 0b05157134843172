package org.lmctfy.launcher.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class FramesTest {
  private static final Frames.Progress NO_PROGRESS = Frames.Progress.NONE;

  /** Length prefix of MAX_FRAME (4 MiB), then three bytes of payload: a client that stops there. */
  private static final byte[] ANNOUNCED_4_MIB = {(byte) 0x80, (byte) 0x80, (byte) 0x80, 0x02, 1, 2, 3};

  @Test
  void anAnnouncedLengthTakesNoMemoryBeforeItsBytesArrive() throws IOException {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    String message = null;
    for (int round = 0; round < 2; round++) {
      // The first round loads and links the code path; the second is measured.
      long before = threads.getCurrentThreadAllocatedBytes();
      try {
        Frames.read(new ByteArrayInputStream(ANNOUNCED_4_MIB), NO_PROGRESS);
      } catch (Frames.BadFrame e) {
        message = e.getMessage();
      }
      long allocated = threads.getCurrentThreadAllocatedBytes() - before;
      if (round == 1) {
        assertThat(allocated).as("bytes allocated for 3 bytes of a 4 MiB frame").isLessThan(256 << 10);
      }
    }
    assertThat(message).isEqualTo("truncated frame: 3 of 4194304 bytes arrived");
  }

  @Test
  void oversizedAndMalformedLengthsAreBadFrames() {
    // 2 GiB
    assertThatThrownBy(() -> Frames.read(new ByteArrayInputStream(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80,
        (byte) 0x80, 0x08}), NO_PROGRESS)).isInstanceOf(Frames.BadFrame.class)
        .hasMessage("frame of 2147483648 bytes exceeds the limit of 4194304");
    assertThatThrownBy(() -> Frames.read(new ByteArrayInputStream(new byte[] {(byte) 0x80}), NO_PROGRESS))
        .isInstanceOf(Frames.BadFrame.class).hasMessageContaining("inside the length prefix");
    assertThatThrownBy(() -> Frames.read(new ByteArrayInputStream(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff,
        (byte) 0xff, (byte) 0xff, 1}), NO_PROGRESS)).isInstanceOf(Frames.BadFrame.class)
        .hasMessageContaining("longer than 5 bytes");
  }

  @Test
  void aCompleteFrameIsItsPayload() throws IOException {
    ByteArrayInputStream in = new ByteArrayInputStream(new byte[] {3, 7, 8, 9, 0});
    assertThat(Frames.read(in, NO_PROGRESS)).containsExactly(7, 8, 9);
    assertThat(Frames.read(in, NO_PROGRESS)).isEmpty();
    assertThat(Frames.read(in, NO_PROGRESS)).isNull();
  }
}
