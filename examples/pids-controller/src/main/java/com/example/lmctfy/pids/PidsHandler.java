package com.example.lmctfy.pids;

import com.example.lmctfy.pids.proto.PidsSpec;
import com.example.lmctfy.pids.proto.PidsStats;
import com.google.protobuf.Any;
import java.nio.file.Path;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ContainerStats;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.StatsCapability;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.ControllerHandler;
import org.lmctfy.spi.cgroup.Hierarchy;
import org.lmctfy.spi.cgroup.KeyValues;

/** pids.max, pids.current, pids.events (cgroup-v2.rst "PID"; cgroup-v1/pids.rst). */
final class PidsHandler extends ControllerHandler implements StatsCapability {
  static final String MAX = "pids.max";
  static final String CURRENT = "pids.current";
  static final String EVENTS = "pids.events";

  PidsHandler(ContainerContext container, Hierarchy hierarchy, List<Path> dirs) {
    super(container, hierarchy, dirs);
  }

  @Override
  public String resource() {
    return PidsFactory.RESOURCE;
  }

  @Override
  public void update(ContainerSpec spec, UpdatePolicy policy) throws ContainerException {
    PidsSpec p = PidsFactory.pidsSpec(spec);
    if (p != null) {
      ControlFiles.write(dir, MAX, p.getMax() < 0 ? "max" : Long.toString(p.getMax()));
    } else if (policy == UpdatePolicy.REPLACE) {
      ControlFiles.write(dir, MAX, "max");
    }
  }

  private long max() throws ContainerException {
    String s = ControlFiles.readLine(dir, MAX);
    return s.equals("max") ? -1 : Long.parseLong(s);
  }

  @Override
  public void fillSpec(ContainerSpec.Builder spec) throws ContainerException {
    spec.putExtensions(PidsFactory.RESOURCE, Any.pack(PidsSpec.newBuilder().setMax(max()).build()));
  }

  @Override
  public void fillStats(StatsType type, ContainerStats.Builder stats) throws ContainerException {
    PidsStats.Builder s = PidsStats.newBuilder().setCurrent(ControlFiles.readLong(dir, CURRENT)).setMax(max());
    if (ControlFiles.exists(dir, EVENTS)) {
      s.setRefused(KeyValues.parse(ControlFiles.read(dir, EVENTS)).get("max"));
    }
    stats.putExtensions(PidsFactory.RESOURCE, Any.pack(s.build()));
  }
}
