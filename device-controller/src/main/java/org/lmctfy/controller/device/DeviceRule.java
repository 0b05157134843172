package org.lmctfy.controller.device;

import java.util.ArrayList;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.DeviceSpec;
import org.lmctfy.api.proto.DeviceSpec.DeviceAccess;
import org.lmctfy.api.proto.DeviceSpec.DevicePermission;
import org.lmctfy.api.proto.DeviceSpec.DeviceRestrictions;
import org.lmctfy.api.proto.DeviceSpec.DeviceType;

/**
 * One device rule as cgroup v1 writes it ({@code <type> <major>:<minor> <access>}) and the device program
 * matches it: type {@code a}, {@code c} or {@code b}; major and minor {@link #WILDCARD} for {@code *}; access a
 * bit set of {@link #READ}, {@link #WRITE}, {@link #MKNOD} (the kernel's {@code BPF_DEVCG_ACC_*} values).
 */
record DeviceRule(char type, long major, long minor, int access, boolean allow) {
  static final long WILDCARD = -1;
  static final int MKNOD = 1;
  static final int READ = 2;
  static final int WRITE = 4;
  static final int ALL_ACCESS = READ | WRITE | MKNOD;
  /** The largest major or minor the device program compares (a 32-bit immediate, as runc's). */
  static final long MAX_NUMBER = Integer.MAX_VALUE;

  static final DeviceRule ALLOW_ALL = new DeviceRule('a', WILDCARD, WILDCARD, ALL_ACCESS, true);
  static final DeviceRule DENY_ALL = new DeviceRule('a', WILDCARD, WILDCARD, ALL_ACCESS, false);

  /**
   * lmctfy's restrictions in order, checked: permission and type are required, access non-empty, major and
   * minor within 0..2^31-1, a minor only with a major, DEVICE_ALL without numbers. INVALID_ARGUMENT names the
   * field at fault ({@code device.restrictions_set.restrictions[2].minor}).
   */
  static List<DeviceRule> fromSpec(DeviceSpec spec) throws ContainerException {
    List<DeviceRule> out = new ArrayList<>();
    List<DeviceRestrictions> rs = spec.getRestrictionsSet().getRestrictionsList();
    for (int i = 0; i < rs.size(); i++) {
      out.add(from(rs.get(i), "device.restrictions_set.restrictions[" + i + "]"));
    }
    return out;
  }

  private static DeviceRule from(DeviceRestrictions r, String field) throws ContainerException {
    if (!r.hasPermission()) {
      throw ContainerException.invalidArgument(field + ".permission is required (ALLOW or DENY)");
    }
    if (!r.hasType()) {
      throw ContainerException.invalidArgument(field + ".type is required (DEVICE_CHAR, DEVICE_BLOCK or DEVICE_ALL)");
    }
    if (r.getAccessCount() == 0) {
      throw ContainerException.invalidArgument(field + ".access is empty: name READ, WRITE and/or MKNOD");
    }
    int access = 0;
    for (DeviceAccess a : r.getAccessList()) {
      access |= switch (a) {
        case READ -> READ;
        case WRITE -> WRITE;
        case MKNOD -> MKNOD;
      };
    }
    boolean allow = r.getPermission() == DevicePermission.ALLOW;
    if (r.getType() == DeviceType.DEVICE_ALL) {
      if (r.hasMajor() || r.hasMinor()) {
        throw ContainerException.invalidArgument(field + ": type DEVICE_ALL stands for every device and takes no"
            + " major or minor");
      }
      // The kernel ignores the access of "a" (Documentation/admin-guide/cgroup-v1/devices.rst): all of it.
      return allow ? ALLOW_ALL : DENY_ALL;
    }
    if (r.hasMinor() && !r.hasMajor()) {
      throw ContainerException.invalidArgument(field + ".major is required when minor is given");
    }
    long major = r.hasMajor() ? check(field + ".major", r.getMajor()) : WILDCARD;
    long minor = r.hasMinor() ? check(field + ".minor", r.getMinor()) : WILDCARD;
    return new DeviceRule(r.getType() == DeviceType.DEVICE_CHAR ? 'c' : 'b', major, minor, access, allow);
  }

  private static long check(String field, long n) throws ContainerException {
    if (n < 0 || n > MAX_NUMBER) {
      throw ContainerException.invalidArgument(field + " must be within 0.." + MAX_NUMBER + " (absent for any),"
          + " got " + n);
    }
    return n;
  }

  /** This rule as lmctfy's proto holds it. */
  DeviceRestrictions toProto() {
    DeviceRestrictions.Builder b = DeviceRestrictions.newBuilder()
        .setPermission(allow ? DevicePermission.ALLOW : DevicePermission.DENY)
        .setType(switch (type) {
          case 'c' -> DeviceType.DEVICE_CHAR;
          case 'b' -> DeviceType.DEVICE_BLOCK;
          default -> DeviceType.DEVICE_ALL;
        });
    if ((access & READ) != 0) {
      b.addAccess(DeviceAccess.READ);
    }
    if ((access & WRITE) != 0) {
      b.addAccess(DeviceAccess.WRITE);
    }
    if ((access & MKNOD) != 0) {
      b.addAccess(DeviceAccess.MKNOD);
    }
    if (type != 'a' && major != WILDCARD) {
      b.setMajor(major);
    }
    if (type != 'a' && minor != WILDCARD) {
      b.setMinor(minor);
    }
    return b.build();
  }

  static DeviceSpec toSpec(List<DeviceRule> rules) {
    DeviceSpec.DeviceRestrictionsSet.Builder set = DeviceSpec.DeviceRestrictionsSet.newBuilder();
    for (DeviceRule r : rules) {
      set.addRestrictions(r.toProto());
    }
    return DeviceSpec.newBuilder().setRestrictionsSet(set).build();
  }

  /** The line cgroup v1 takes in {@code devices.allow} or {@code devices.deny}, and shows in {@code devices.list}. */
  String line() {
    if (type == 'a') {
      return "a *:* rwm";
    }
    return type + " " + number(major) + ":" + number(minor) + " " + accessLetters(access);
  }

  static String accessLetters(int access) {
    return ((access & READ) != 0 ? "r" : "") + ((access & WRITE) != 0 ? "w" : "") + ((access & MKNOD) != 0 ? "m" : "");
  }

  private static String number(long n) {
    return n == WILDCARD ? "*" : Long.toString(n);
  }

  /** A line of {@code devices.list} ({@code c 1:3 rwm}, {@code a *:* rwm}), as an ALLOW rule. */
  static DeviceRule parseListLine(String line) throws ContainerException {
    String[] f = line.trim().split("[ :]");
    if (f.length != 4 || f[0].length() != 1 || "abc".indexOf(f[0].charAt(0)) < 0) {
      throw ContainerException.internal("Malformed devices.list line: \"" + line + "\"", null);
    }
    int access = 0;
    for (char c : f[3].toCharArray()) {
      access |= switch (c) {
        case 'r' -> READ;
        case 'w' -> WRITE;
        case 'm' -> MKNOD;
        default -> throw ContainerException.internal("Malformed access in devices.list line \"" + line + "\"", null);
      };
    }
    char type = f[0].charAt(0);
    if (type == 'a') {
      return ALLOW_ALL;
    }
    try {
      return new DeviceRule(type, f[1].equals("*") ? WILDCARD : Long.parseLong(f[1]),
          f[2].equals("*") ? WILDCARD : Long.parseLong(f[2]), access, true);
    } catch (NumberFormatException e) {
      throw ContainerException.internal("Malformed number in devices.list line \"" + line + "\"", e);
    }
  }

  @Override
  public String toString() {
    return (allow ? "allow " : "deny ") + line();
  }
}
