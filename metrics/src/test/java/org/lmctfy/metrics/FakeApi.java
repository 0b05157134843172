package org.lmctfy.metrics;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ContainerStats;

/** A ContainerApi of fixed containers: name → stats, spec and process count; the rest is unsupported. */
final class FakeApi {
  record Entry(ContainerStats stats, ContainerSpec spec, int processes) {}

  final Map<String, Entry> containers = new LinkedHashMap<>();
  /** Runs after a listing (a destroy racing the scrape). */
  Runnable afterList = () -> {};

  ContainerApi api() {
    return (ContainerApi) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ContainerApi.class},
        (proxy, m, args) -> switch (m.getName()) {
          case "get" -> container((String) args[0]);
          default -> throw new UnsupportedOperationException(m.getName());
        });
  }

  private Container container(String name) throws ContainerException {
    if (!containers.containsKey(name)) {
      throw ContainerException.notFound("Container " + name + " does not exist");
    }
    return (Container) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Container.class},
        (proxy, m, args) -> {
          Entry e = containers.get(name);
          if (e == null && !m.getName().equals("name")) {
            throw ContainerException.notFound("Container " + name + " does not exist");
          }
          return switch (m.getName()) {
            case "name" -> name;
            case "stats" -> e.stats;
            case "spec" -> e.spec;
            case "listProcesses" -> {
              List<Long> pids = new ArrayList<>();
              for (long i = 0; i < e.processes; i++) {
                pids.add(100 + i);
              }
              yield pids;
            }
            case "listSubcontainers" -> {
              List<Container> subs = new ArrayList<>();
              for (String n : containers.keySet()) {
                if (!n.equals(name) && n.startsWith(name.equals("/") ? "/" : name + "/")) {
                  subs.add(container(n));
                }
              }
              afterList.run();
              yield subs;
            }
            default -> throw new UnsupportedOperationException(m.getName());
          };
        });
  }
}
