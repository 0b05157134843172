package org.lmctfy.controller.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The generated programs, instruction by instruction, for the rule lists of runc's devicefilter_test.go
 * (opencontainers/cgroups): the same programs, so that cgroup2 behaves as runc's and as cgroup v1.
 */
class DeviceFilterTest {
  private static final List<String> PROLOGUE = List.of(
      "LdXMemW dst: r2 src: r1 off: 0",
      "AndImm32 dst: r2 imm: 65535",
      "LdXMemW dst: r3 src: r1 off: 0",
      "RShImm32 dst: r3 imm: 16",
      "LdXMemW dst: r4 src: r1 off: 4",
      "LdXMemW dst: r5 src: r1 off: 8");

  private static DeviceRule c(long major, long minor, int access, boolean allow) {
    return new DeviceRule('c', major, minor, access, allow);
  }

  private static List<String> program(DeviceRule... rules) throws Exception {
    return DeviceFilter.program(DeviceEmulator.of(List.of(rules))).stream().map(Object::toString).toList();
  }

  private static List<String> expect(String... body) {
    List<String> out = new ArrayList<>(PROLOGUE);
    out.addAll(List.of(body));
    return out;
  }

  @Test
  void noRulesFromDenyAllRejectsEverything() throws Exception {
    assertThat(program(DeviceRule.DENY_ALL)).isEqualTo(expect("MovImm32 dst: r0 imm: 0", "Exit"));
  }

  @Test
  void privilegedAllowsEverything() throws Exception {
    assertThat(program(DeviceRule.ALLOW_ALL)).isEqualTo(expect("MovImm32 dst: r0 imm: 1", "Exit"));
    assertThat(program()).as("no rules: a new container, its parent's program still applies")
        .isEqualTo(expect("MovImm32 dst: r0 imm: 1", "Exit"));
  }

  @Test
  void privilegedExceptOneBlockDevice() throws Exception {
    assertThat(program(DeviceRule.ALLOW_ALL, new DeviceRule('b', 8, 0, DeviceRule.ALL_ACCESS, false))).isEqualTo(
        expect("JNEImm dst: r2 off: 4 imm: 1", "JNEImm dst: r4 off: 3 imm: 8", "JNEImm dst: r5 off: 2 imm: 0",
            "MovImm32 dst: r0 imm: 0", "Exit", "MovImm32 dst: r0 imm: 1", "Exit"));
  }

  /** runc's TestDeviceFilter_Weird: 8:1 denied before the allow-all is forgotten, 8:2 after it stays denied. */
  @Test
  void anAllowAllInTheMiddleForgetsWhatCameBefore() throws Exception {
    assertThat(program(new DeviceRule('b', 8, 1, DeviceRule.ALL_ACCESS, false), DeviceRule.ALLOW_ALL,
        new DeviceRule('b', 8, 2, DeviceRule.ALL_ACCESS, false))).isEqualTo(
        expect("JNEImm dst: r2 off: 4 imm: 1", "JNEImm dst: r4 off: 3 imm: 8", "JNEImm dst: r5 off: 2 imm: 2",
            "MovImm32 dst: r0 imm: 0", "Exit", "MovImm32 dst: r0 imm: 1", "Exit"));
  }

  /** runc's TestDeviceFilter_BuiltInAllowList: its default devices, in the emulator's order. */
  @Test
  void runcsDefaultAllowList() throws Exception {
    int m = DeviceRule.MKNOD;
    int rwm = DeviceRule.ALL_ACCESS;
    List<String> got = program(DeviceRule.DENY_ALL,
        c(DeviceRule.WILDCARD, DeviceRule.WILDCARD, m, true),
        new DeviceRule('b', DeviceRule.WILDCARD, DeviceRule.WILDCARD, m, true),
        c(1, 3, rwm, true), c(1, 8, rwm, true), c(1, 7, rwm, true), c(5, 0, rwm, true), c(1, 5, rwm, true),
        c(1, 9, rwm, true), c(136, DeviceRule.WILDCARD, rwm, true), c(5, 2, rwm, true), c(10, 200, rwm, true));
    List<String> want = expect(
        "JNEImm dst: r2 off: 5 imm: 1", "MovReg32 dst: r1 src: r3", "AndImm32 dst: r1 imm: 1",
        "JNEReg dst: r1 off: 2 src: r3", "MovImm32 dst: r0 imm: 1", "Exit",
        "JNEImm dst: r2 off: 5 imm: 2", "MovReg32 dst: r1 src: r3", "AndImm32 dst: r1 imm: 1",
        "JNEReg dst: r1 off: 2 src: r3", "MovImm32 dst: r0 imm: 1", "Exit");
    for (int[] mm : new int[][] {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 2}, {10, 200}}) {
      want.addAll(List.of("JNEImm dst: r2 off: 4 imm: 2", "JNEImm dst: r4 off: 3 imm: " + mm[0],
          "JNEImm dst: r5 off: 2 imm: " + mm[1], "MovImm32 dst: r0 imm: 1", "Exit"));
    }
    want.addAll(List.of("JNEImm dst: r2 off: 3 imm: 2", "JNEImm dst: r4 off: 2 imm: 136", "MovImm32 dst: r0 imm: 1",
        "Exit", "MovImm32 dst: r0 imm: 0", "Exit"));
    assertThat(got).isEqualTo(want);
  }

  @Test
  void encodingIsTheKernelsStructBpfInsn() {
    byte[] b = DeviceFilter.encode(List.of(new DeviceFilter.Insn(DeviceFilter.JNE_IMM, 4, 0, 3, 136)));
    assertThat(b).hasSize(8);
    assertThat(b[0] & 0xff).isEqualTo(0x55);
    if (java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN) {
      assertThat(b).containsExactly(0x55, 0x04, 0x03, 0x00, 0x88, 0x00, 0x00, 0x00);
    }
  }
}
