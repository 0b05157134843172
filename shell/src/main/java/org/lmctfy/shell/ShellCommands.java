package org.lmctfy.shell;

import com.google.protobuf.TypeRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Gogo shell commands for OSGi users ({@code lmctfy:create /job "memory { limit: 100000000 }"},
 * {@code lmctfy:list /}, ...): the ContainerApi service, as the command line offers it.
 */
@Component(service = ShellCommands.class, property = {"osgi.command.scope=lmctfy",
    "osgi.command.function=create", "osgi.command.function=destroy", "osgi.command.function=list",
    "osgi.command.function=spec", "osgi.command.function=stats", "osgi.command.function=run",
    "osgi.command.function=pause", "osgi.command.function=resume", "osgi.command.function=update",
    "osgi.command.function=detect", "osgi.command.function=pids", "osgi.command.function=killall"})
public final class ShellCommands {
  @Reference
  private ContainerApi api;

  private final List<ResourceHandlerFactory> factories = new CopyOnWriteArrayList<>();

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void bindFactory(ResourceHandlerFactory f) {
    factories.add(f);
  }

  void unbindFactory(ResourceHandlerFactory f) {
    factories.remove(f);
  }

  private TypeRegistry types() {
    TypeRegistry.Builder b = TypeRegistry.newBuilder();
    factories.forEach(f -> b.add(f.extensionTypes()));
    return b.build();
  }

  private ContainerSpec parse(String spec) throws ContainerException {
    return SpecFormat.parse(spec.getBytes(StandardCharsets.UTF_8), ContainerSpec.newBuilder(), types()).build();
  }

  public String create(String name, String spec) throws ContainerException {
    return api.create(name, parse(spec)).name();
  }

  public String destroy(String name) throws ContainerException {
    api.destroy(api.get(name));
    return "destroyed " + name;
  }

  public List<String> list(String name) throws ContainerException {
    List<String> out = new ArrayList<>();
    for (Container c : api.get(name).listSubcontainers(ListPolicy.RECURSIVE)) {
      out.add(c.name());
    }
    return out;
  }

  public String spec(String name) throws ContainerException {
    return SpecFormat.print(api.get(name).spec(), types());
  }

  public String stats(String name) throws ContainerException {
    return SpecFormat.print(api.get(name).stats(StatsType.SUMMARY), types());
  }

  public String update(String name, String spec) throws ContainerException {
    api.get(name).update(parse(spec), UpdatePolicy.DIFF);
    return "updated " + name;
  }

  /** Runs a command detached in the container; returns its pid. */
  public long run(String name, String... command) throws ContainerException {
    return api.get(name).run(List.of(command), RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.DETACHED).build());
  }

  public List<Long> pids(String name) throws ContainerException {
    return api.get(name).listProcesses(ListPolicy.SELF);
  }

  public String pause(String name) throws ContainerException {
    api.get(name).pause();
    return "paused " + name;
  }

  public String resume(String name) throws ContainerException {
    api.get(name).resume();
    return "resumed " + name;
  }

  public String killall(String name) throws ContainerException {
    api.get(name).killAll(ListPolicy.RECURSIVE);
    return "killed every process of " + name;
  }

  public String detect(long pid) throws ContainerException {
    return api.detect(pid);
  }
}
