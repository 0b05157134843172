package org.lmctfy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.api.ContainerName;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ContainerLocksTest {
  @TempDir Path tmp;

  /**
   * Another JVM (as the CLI beside the daemon) tries the lock without waiting: exit 1 when held elsewhere.
   * The JDK's file locks are POSIX record locks (fcntl), which flock(1) would not see.
   */
  private int otherProcessTryLock(Path file) throws Exception {
    Path probe = tmp.resolve("LockProbe.java");
    Files.writeString(probe, "import java.nio.channels.FileChannel; import java.nio.file.*;\n"
        + "public class LockProbe { public static void main(String[] a) throws Exception {\n"
        + "  try (FileChannel c = FileChannel.open(Path.of(a[0]), StandardOpenOption.WRITE)) {\n"
        + "    System.exit(c.tryLock() == null ? 1 : 0); } } }\n");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p = new ProcessBuilder(java, probe.toString(), file.toString()).inheritIO().start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return p.exitValue();
  }

  @Test
  void anotherProcessCannotTakeAHeldContainerLock() throws Exception {
    ContainerLocks locks = new ContainerLocks(tmp);
    ContainerName a = ContainerName.of("/a");
    try (ContainerLocks.Held held = locks.lock(a)) {
      assertThat(otherProcessTryLock(locks.fileFor(a))).as("another JVM while we hold it").isEqualTo(1);
    }
    assertThat(otherProcessTryLock(locks.fileFor(a))).as("another JVM after release").isEqualTo(0);
  }

  @Test
  void twoInstancesInOneJvmExcludeEachOther() throws Exception {
    ContainerLocks one = new ContainerLocks(tmp);
    ContainerLocks two = new ContainerLocks(tmp);
    ContainerName a = ContainerName.of("/a");
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch held = new CountDownLatch(1);
    CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
      try (ContainerLocks.Held h = one.lock(a)) {
        held.countDown();
        release.await();
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    held.await();
    CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> {
      try (ContainerLocks.Held h = two.lock(a)) {
        // acquired
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    // The second cannot get it while the first holds it...
    assertThat(waiter).isNotDone();
    Thread.yield();
    assertThat(waiter.isDone()).isFalse();
    release.countDown();
    // ...and gets it once released (no OverlappingFileLockException).
    holder.get(10, TimeUnit.SECONDS);
    waiter.get(10, TimeUnit.SECONDS);
  }

  @Test
  void theSameThreadMayNestLocksOfOneStripe() throws Exception {
    ContainerLocks locks = new ContainerLocks(tmp);
    ContainerName a = ContainerName.of("/a");
    try (ContainerLocks.Held outer = locks.lock(a); ContainerLocks.Held inner = locks.lock(a)) {
      assertThat(otherProcessTryLock(locks.fileFor(a))).isEqualTo(1);
    }
    assertThat(otherProcessTryLock(locks.fileFor(a))).isEqualTo(0);
  }
}
