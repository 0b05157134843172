package org.lmctfy.controller.device;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The cgroup2 device program for a rule state: a {@code BPF_PROG_TYPE_CGROUP_DEVICE} program
 * (Documentation/admin-guide/cgroup-v2.rst, "Device controller"; its context is include/uapi/linux/bpf.h's
 * {@code struct bpf_cgroup_dev_ctx}) that returns 1 to allow an access and 0 to refuse it (EPERM). The same program runc and crun generate
 * (opencontainers/cgroups {@code devices/devicefilter.go}): load type, access, major and minor into r2-r5, then
 * one block per exception, in the emulator's order, that returns the exception's verdict when it matches, and
 * the default verdict at the end.
 */
final class DeviceFilter {
  /** {@code BPF_DEVCG_DEV_BLOCK}, {@code BPF_DEVCG_DEV_CHAR}. */
  static final int DEV_BLOCK = 1;
  static final int DEV_CHAR = 2;

  // Opcodes (include/uapi/linux/bpf_common.h, bpf.h).
  static final int LDX_MEM_W = 0x61; // BPF_LDX | BPF_MEM | BPF_W
  static final int AND32_IMM = 0x54; // BPF_ALU | BPF_AND | BPF_K
  static final int RSH32_IMM = 0x74; // BPF_ALU | BPF_RSH | BPF_K
  static final int MOV32_REG = 0xbc; // BPF_ALU | BPF_MOV | BPF_X
  static final int MOV32_IMM = 0xb4; // BPF_ALU | BPF_MOV | BPF_K
  static final int JNE_IMM = 0x55; // BPF_JMP | BPF_JNE | BPF_K
  static final int JNE_REG = 0x5d; // BPF_JMP | BPF_JNE | BPF_X
  static final int EXIT = 0x95; // BPF_JMP | BPF_EXIT

  /** One instruction, {@code struct bpf_insn}. */
  record Insn(int code, int dst, int src, int off, int imm) {
    @Override
    public String toString() {
      String name = switch (code) {
        case LDX_MEM_W -> "LdXMemW";
        case AND32_IMM -> "AndImm32";
        case RSH32_IMM -> "RShImm32";
        case MOV32_REG -> "MovReg32";
        case MOV32_IMM -> "MovImm32";
        case JNE_IMM -> "JNEImm";
        case JNE_REG -> "JNEReg";
        case EXIT -> "Exit";
        default -> String.format("op%02x", code);
      };
      return switch (code) {
        case LDX_MEM_W -> name + " dst: r" + dst + " src: r" + src + " off: " + off;
        case AND32_IMM, RSH32_IMM, MOV32_IMM -> name + " dst: r" + dst + " imm: " + imm;
        case MOV32_REG -> name + " dst: r" + dst + " src: r" + src;
        case JNE_IMM -> name + " dst: r" + dst + " off: " + off + " imm: " + imm;
        case JNE_REG -> name + " dst: r" + dst + " off: " + off + " src: r" + src;
        default -> name;
      };
    }
  }

  private DeviceFilter() {}

  /** The program enforcing {@code state}. */
  static List<Insn> program(DeviceEmulator state) {
    List<Insn> p = new ArrayList<>();
    // struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }: access_type is type | access << 16.
    p.add(new Insn(LDX_MEM_W, 2, 1, 0, 0));
    p.add(new Insn(AND32_IMM, 2, 0, 0, 0xFFFF));
    p.add(new Insn(LDX_MEM_W, 3, 1, 0, 0));
    p.add(new Insn(RSH32_IMM, 3, 0, 0, 16));
    p.add(new Insn(LDX_MEM_W, 4, 1, 4, 0));
    p.add(new Insn(LDX_MEM_W, 5, 1, 8, 0));
    for (DeviceRule r : state.exceptions()) {
      p.addAll(block(r));
    }
    p.add(new Insn(MOV32_IMM, 0, 0, 0, state.defaultAllow() ? 1 : 0));
    p.add(new Insn(EXIT, 0, 0, 0, 0));
    return p;
  }

  /** A block returning the rule's verdict when type, access (a subset of the rule's), major and minor match. */
  private static List<Insn> block(DeviceRule r) {
    // The jumps' offsets are filled in once the block's length is known: each skips to the next block.
    List<int[]> b = new ArrayList<>(); // code, dst, src, imm
    b.add(new int[] {JNE_IMM, 2, 0, r.type() == 'c' ? DEV_CHAR : DEV_BLOCK});
    if (r.access() != DeviceRule.ALL_ACCESS) {
      // if ((access & rule) != access) skip: r1 is free once the context is loaded
      b.add(new int[] {MOV32_REG, 1, 3, 0});
      b.add(new int[] {AND32_IMM, 1, 0, r.access()});
      b.add(new int[] {JNE_REG, 1, 3, 0});
    }
    if (r.major() != DeviceRule.WILDCARD) {
      b.add(new int[] {JNE_IMM, 4, 0, (int) r.major()});
    }
    if (r.minor() != DeviceRule.WILDCARD) {
      b.add(new int[] {JNE_IMM, 5, 0, (int) r.minor()});
    }
    b.add(new int[] {MOV32_IMM, 0, 0, r.allow() ? 1 : 0});
    b.add(new int[] {EXIT, 0, 0, 0});
    List<Insn> out = new ArrayList<>();
    for (int i = 0; i < b.size(); i++) {
      int[] x = b.get(i);
      boolean jump = x[0] == JNE_IMM || x[0] == JNE_REG;
      out.add(new Insn(x[0], x[1], x[2], jump ? b.size() - i - 1 : 0, x[3]));
    }
    return out;
  }

  /** The program as the kernel takes it: 8 bytes per instruction, in the machine's byte order. */
  static byte[] encode(List<Insn> program) {
    ByteBuffer buf = ByteBuffer.allocate(program.size() * 8).order(ByteOrder.nativeOrder());
    boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    for (Insn i : program) {
      buf.put((byte) i.code());
      // dst_reg:4, src_reg:4 bit fields: dst in the low nibble on little-endian machines.
      buf.put((byte) (little ? (i.src() << 4) | i.dst() : (i.dst() << 4) | i.src()));
      buf.putShort((short) i.off());
      buf.putInt(i.imm());
    }
    return buf.array();
  }
}
