package org.lmctfy.controller.blockio;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.BlockIoSpec;
import org.lmctfy.api.proto.BlockIoStats;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ContainerStats;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.StatsCapability;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.ControllerHandler;
import org.lmctfy.spi.cgroup.Hierarchy;
import org.lmctfy.spi.cgroup.Pressure;

/**
 * The block I/O kernel files (cgroup-v1/blkio-controller.rst; cgroup-v2.rst "IO"). Weights: lmctfy's
 * 1-100 is ×10 for v1 (10-1000, blkio and bfq alike) and, on cgroup2's io.weight (1-10000), runc's
 * conversion of that v1 weight; io.bfq.weight takes the v1 value.
 */
final class BlockIoHandler extends ControllerHandler implements StatsCapability {
  // v1
  static final String WEIGHT = "blkio.weight";
  static final String BFQ_WEIGHT = "blkio.bfq.weight";
  static final String WEIGHT_DEVICE = "blkio.weight_device";
  static final String BFQ_WEIGHT_DEVICE = "blkio.bfq.weight_device";
  static final String THROTTLE = "blkio.throttle.";
  static final String SERVICE_BYTES = "blkio.throttle.io_service_bytes_recursive";
  static final String SERVICED = "blkio.throttle.io_serviced_recursive";
  // cgroup2
  static final String IO_WEIGHT = "io.weight";
  static final String IO_BFQ_WEIGHT = "io.bfq.weight";
  static final String IO_MAX = "io.max";
  static final String IO_STAT = "io.stat";
  static final String PRESSURE = "io.pressure";

  BlockIoHandler(ContainerContext container, Hierarchy hierarchy, List<Path> dirs) {
    super(container, hierarchy, dirs);
  }

  @Override
  public String resource() {
    return "blockio";
  }

  /** v1 throttle file of an (op, unit) pair, e.g. blkio.throttle.read_bps_device. */
  static String throttleFile(BlockIoSpec.OpType op, BlockIoSpec.LimitType type) {
    return THROTTLE + (op == BlockIoSpec.OpType.READ ? "read" : "write")
        + (type == BlockIoSpec.LimitType.BYTES_PER_SECOND ? "_bps_device" : "_iops_device");
  }

  /** v2 io.max key of an (op, unit) pair, e.g. rbps. */
  static String ioMaxKey(BlockIoSpec.OpType op, BlockIoSpec.LimitType type) {
    return (op == BlockIoSpec.OpType.READ ? "r" : "w")
        + (type == BlockIoSpec.LimitType.BYTES_PER_SECOND ? "bps" : "iops");
  }

  /** The weight file this kernel offers, or UNIMPLEMENTED naming what is missing. */
  private String weightFile(boolean perDevice) throws ContainerException {
    String[] candidates = v2 ? new String[] {IO_WEIGHT, IO_BFQ_WEIGHT}
        : perDevice ? new String[] {WEIGHT_DEVICE, BFQ_WEIGHT_DEVICE} : new String[] {WEIGHT, BFQ_WEIGHT};
    for (String f : candidates) {
      if (ControlFiles.exists(dir, f)) {
        return f;
      }
    }
    throw ContainerException.unimplemented("blockio weights need " + String.join(" or ", candidates)
        + ", which this kernel does not offer (no I/O scheduler with cgroup weights, e.g. bfq, on the disks)");
  }

  private String weightValue(String file, long lmctfyWeight) {
    long v1 = lmctfyWeight * 10;
    return file.equals(IO_WEIGHT) ? Long.toString(1 + (v1 - 10) * 9999 / 990) : Long.toString(v1);
  }

  @Override
  public void update(ContainerSpec spec, UpdatePolicy policy) throws ContainerException {
    BlockIoSpec b = spec.getBlockio();
    if (b.getDeviceLimitSet().hasDefaultLimit()) {
      String f = weightFile(false);
      String value = weightValue(f, b.getDeviceLimitSet().getDefaultLimit());
      ControlFiles.write(dir, f, v2 ? "default " + value : value);
    }
    for (BlockIoSpec.DeviceLimit d : b.getDeviceLimitSet().getDeviceLimitsList()) {
      String f = weightFile(true);
      ControlFiles.write(dir, f, BlockDevices.id(d.getDevice()) + " " + weightValue(f, d.getLimit()));
    }
    // Caps: the wanted (file or key) -> device -> value; REPLACE also lifts caps the spec drops.
    Map<String, Map<String, Long>> wanted = new LinkedHashMap<>();
    for (BlockIoSpec.MaxLimit m : b.getMaxDeviceLimitSet().getMaxLimitsList()) {
      String key = v2 ? ioMaxKey(m.getOpType(), m.getLimitType()) : throttleFile(m.getOpType(), m.getLimitType());
      for (BlockIoSpec.DeviceLimit d : m.getLimitsList()) {
        wanted.computeIfAbsent(key, k -> new TreeMap<>()).put(BlockDevices.id(d.getDevice()), d.getLimit());
      }
    }
    if (policy == UpdatePolicy.REPLACE) {
      for (Map.Entry<String, Map<String, Long>> cur : currentCaps().entrySet()) {
        for (String dev : cur.getValue().keySet()) {
          wanted.computeIfAbsent(cur.getKey(), k -> new TreeMap<>()).putIfAbsent(dev, -1L);
        }
      }
    }
    for (Map.Entry<String, Map<String, Long>> e : wanted.entrySet()) {
      for (Map.Entry<String, Long> dev : e.getValue().entrySet()) {
        long v = dev.getValue();
        if (v2) {
          ControlFiles.write(dir, IO_MAX, dev.getKey() + " " + e.getKey() + "=" + (v < 0 ? "max" : v));
        } else {
          ControlFiles.write(dir, e.getKey(), dev.getKey() + " " + (v < 0 ? 0 : v)); // 0 lifts a v1 cap
        }
      }
    }
  }

  /** The caps the kernel holds: (v1 file or v2 key) -> device -> value. */
  private Map<String, Map<String, Long>> currentCaps() throws ContainerException {
    Map<String, Map<String, Long>> out = new LinkedHashMap<>();
    if (v2) {
      for (String line : ControlFiles.read(dir, IO_MAX).split("\n")) {
        String[] f = line.trim().split(" ");
        for (int i = 1; i < f.length; i++) {
          String[] kv = f[i].split("=");
          if (kv.length == 2 && !kv[1].equals("max")) {
            out.computeIfAbsent(kv[0], k -> new TreeMap<>()).put(f[0], Long.parseLong(kv[1]));
          }
        }
      }
      return out;
    }
    for (BlockIoSpec.OpType op : BlockIoSpec.OpType.values()) {
      for (BlockIoSpec.LimitType t : BlockIoSpec.LimitType.values()) {
        String file = throttleFile(op, t);
        for (String line : ControlFiles.read(dir, file).split("\n")) {
          String[] f = line.trim().split(" ");
          if (f.length == 2) {
            out.computeIfAbsent(file, k -> new TreeMap<>()).put(f[0], Long.parseLong(f[1]));
          }
        }
      }
    }
    return out;
  }

  @Override
  public void fillSpec(ContainerSpec.Builder spec) throws ContainerException {
    BlockIoSpec.Builder b = spec.getBlockioBuilder();
    BlockIoSpec.MaxLimitSet.Builder caps = BlockIoSpec.MaxLimitSet.newBuilder();
    Map<String, Map<String, Long>> current = currentCaps();
    for (BlockIoSpec.OpType op : BlockIoSpec.OpType.values()) {
      for (BlockIoSpec.LimitType t : BlockIoSpec.LimitType.values()) {
        Map<String, Long> devs = current.get(v2 ? ioMaxKey(op, t) : throttleFile(op, t));
        if (devs == null || devs.isEmpty()) {
          continue;
        }
        BlockIoSpec.MaxLimit.Builder m = BlockIoSpec.MaxLimit.newBuilder().setOpType(op).setLimitType(t);
        devs.forEach((dev, v) -> m.addLimits(BlockIoSpec.DeviceLimit.newBuilder()
            .setDevice(BlockDevices.parse(dev)).setLimit(v)));
        caps.addMaxLimits(m);
      }
    }
    if (caps.getMaxLimitsCount() > 0) {
      b.setMaxDeviceLimitSet(caps);
    }
  }

  @Override
  public void fillStats(StatsType type, ContainerStats.Builder stats) throws ContainerException {
    BlockIoStats.Builder out = stats.getBlockioBuilder();
    Map<String, BlockIoStats.DeviceStats.Builder> byDevice = new TreeMap<>();
    if (v2) {
      // io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0"
      for (String line : ControlFiles.read(dir, IO_STAT).split("\n")) {
        String[] f = line.trim().split(" ");
        if (f.length < 2) {
          continue;
        }
        BlockIoStats.DeviceStats.Builder d = byDevice.computeIfAbsent(f[0], k -> device(k));
        for (int i = 1; i < f.length; i++) {
          String[] kv = f[i].split("=");
          long v = Long.parseLong(kv[1]);
          switch (kv[0]) {
            case "rbytes": d.setReadBytes(v); break;
            case "wbytes": d.setWriteBytes(v); break;
            case "rios": d.setReadOps(v); break;
            case "wios": d.setWriteOps(v); break;
            default: break;
          }
        }
      }
    } else {
      // "8:0 Read 4096" ... "Total 8192"
      readV1(SERVICE_BYTES, byDevice, true);
      readV1(SERVICED, byDevice, false);
    }
    byDevice.values().forEach(out::addDeviceStats);
    Pressure.read(unifiedDir(), PRESSURE).ifPresent(out::setPressure);
  }

  private void readV1(String file, Map<String, BlockIoStats.DeviceStats.Builder> byDevice, boolean bytes)
      throws ContainerException {
    for (String line : ControlFiles.read(dir, file).split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length != 3) {
        continue;
      }
      BlockIoStats.DeviceStats.Builder d = byDevice.computeIfAbsent(f[0], k -> device(k));
      long v = Long.parseLong(f[2]);
      if (f[1].equals("Read")) {
        if (bytes) {
          d.setReadBytes(v);
        } else {
          d.setReadOps(v);
        }
      } else if (f[1].equals("Write")) {
        if (bytes) {
          d.setWriteBytes(v);
        } else {
          d.setWriteOps(v);
        }
      }
    }
  }

  private static BlockIoStats.DeviceStats.Builder device(String id) {
    return BlockIoStats.DeviceStats.newBuilder().setDevice(BlockDevices.parse(id));
  }
}
