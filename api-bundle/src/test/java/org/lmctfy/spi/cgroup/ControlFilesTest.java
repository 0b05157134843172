package org.lmctfy.spi.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;

class ControlFilesTest {
  @TempDir Path tmp;

  @Test
  void writesOneValueIntoAnExistingFileOnly() throws Exception {
    Files.writeString(tmp.resolve("cpu.shares"), "1024\n");
    ControlFiles.write(tmp, "cpu.shares", 512);
    assertThat(Files.readString(tmp.resolve("cpu.shares"))).startsWith("512");
    // A missing control file means the kernel lacks the feature: never create it.
    assertThatThrownBy(() -> ControlFiles.write(tmp, "cpu.lat", "25"))
        .isInstanceOfSatisfying(ContainerException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.NOT_FOUND))
        .hasMessageContaining("cpu.lat").hasMessageContaining("\"25\"");
    assertThat(tmp.resolve("cpu.lat")).doesNotExist();
  }

  @Test
  void refusesToFollowSymlinks() throws Exception {
    Path outside = Files.createDirectory(tmp.resolve("outside"));
    Files.writeString(outside.resolve("victim"), "keep");
    Path cg = Files.createDirectory(tmp.resolve("cg"));
    Files.createSymbolicLink(cg.resolve("memory.max"), outside.resolve("victim"));
    assertThatThrownBy(() -> ControlFiles.write(cg, "memory.max", "1"))
        .isInstanceOf(ContainerException.class);
    assertThat(Files.readString(outside.resolve("victim"))).isEqualTo("keep");
    assertThatThrownBy(() -> ControlFiles.read(cg, "memory.max")).isInstanceOf(ContainerException.class);
  }

  @Test
  void readsNumbersAndLists() throws Exception {
    Files.writeString(tmp.resolve("memory.current"), "123456\n");
    Files.writeString(tmp.resolve("cgroup.procs"), "1\n22\n333\n");
    Files.writeString(tmp.resolve("empty"), "");
    Files.writeString(tmp.resolve("bad"), "max\n");
    assertThat(ControlFiles.readLong(tmp, "memory.current")).isEqualTo(123456L);
    assertThat(ControlFiles.readLongs(tmp, "cgroup.procs")).containsExactly(1L, 22L, 333L);
    assertThat(ControlFiles.readLongs(tmp, "empty")).isEmpty();
    assertThatThrownBy(() -> ControlFiles.readLong(tmp, "bad"))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.FAILED_PRECONDITION))
        .hasMessageContaining("max");
  }

  @Test
  void readsFilesLargerThanOneBuffer() throws Exception {
    String big = "x".repeat(10_000) + "\n";
    Files.writeString(tmp.resolve("memory.stat"), big);
    assertThat(ControlFiles.read(tmp, "memory.stat")).isEqualTo(big);
  }

  @Test
  void directoriesMapErrnoToCodes() throws Exception {
    Path d = tmp.resolve("c");
    ControlFiles.mkdir(d);
    assertThatThrownBy(() -> ControlFiles.mkdir(d)).isInstanceOfSatisfying(ContainerException.class,
        e -> assertThat(e.code()).isEqualTo(StatusCode.ALREADY_EXISTS));
    assertThatThrownBy(() -> ControlFiles.mkdir(tmp.resolve("missing/child")))
        .isInstanceOfSatisfying(ContainerException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.NOT_FOUND));
    ControlFiles.mkdir(d.resolve("a"));
    ControlFiles.mkdir(d.resolve("b"));
    Files.writeString(d.resolve("tasks"), "");
    assertThat(ControlFiles.subdirectories(d)).containsExactly(d.resolve("a"), d.resolve("b"));
    ControlFiles.rmdir(d.resolve("a"));
    ControlFiles.rmdir(d.resolve("a")); // missing is fine
    assertThat(ControlFiles.subdirectories(d)).containsExactly(d.resolve("b"));
    assertThat(ControlFiles.subdirectories(tmp.resolve("nowhere"))).isEmpty();
  }

  @Test
  void errnoTextMapping() {
    assertThat(KernelErrors.code(new java.nio.file.FileSystemException("f", null, "Device or resource busy")))
        .isEqualTo(StatusCode.FAILED_PRECONDITION);
    assertThat(KernelErrors.code(new java.io.IOException("Invalid argument"))).isEqualTo(StatusCode.INVALID_ARGUMENT);
    assertThat(KernelErrors.code(new java.io.IOException("No such process"))).isEqualTo(StatusCode.NOT_FOUND);
    assertThat(KernelErrors.code(new java.io.IOException("Operation not permitted")))
        .isEqualTo(StatusCode.PERMISSION_DENIED);
    assertThat(KernelErrors.code(new java.nio.file.AccessDeniedException("f"))).isEqualTo(StatusCode.PERMISSION_DENIED);
    assertThat(KernelErrors.code(new java.io.IOException("Numerical result out of range")))
        .isEqualTo(StatusCode.OUT_OF_RANGE);
    assertThat(KernelErrors.code(new java.io.IOException("Operation not supported")))
        .isEqualTo(StatusCode.UNIMPLEMENTED);
    assertThat(KernelErrors.map(new java.io.IOException("Invalid argument"), "write \"-5\" to /x/cpu.shares")
        .getMessage()).isEqualTo("write \"-5\" to /x/cpu.shares: Invalid argument");
  }
}
