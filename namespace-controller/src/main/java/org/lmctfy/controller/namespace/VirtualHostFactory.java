package org.lmctfy.controller.namespace;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.VirtualHostSpec;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.SpecOperation;
import org.osgi.service.component.annotations.Component;

/**
 * lmctfy's virtual hosts ({@code ContainerSpec.virtual_host}): a container whose processes see their own pid,
 * ipc and mount namespaces (lmctfy's default) and, with {@code virtual_hostname}, their own UTS namespace.
 * Its init ({@code lmctfy-nsinit}, PID 1 of the pid namespace) holds the namespaces; this bundle keeps no
 * state of its own: a virtual host's init is found in the kernel (the process of the container's membership
 * cgroup that is PID 1 of a pid namespace), so the bundle can be stopped, updated or replaced under running
 * virtual hosts.
 */
@Component(service = ResourceHandlerFactory.class, property = ResourceHandlerFactory.RESOURCE_PROPERTY
    + "=" + VirtualHostFactory.RESOURCE)
public final class VirtualHostFactory implements ResourceHandlerFactory {
  static final String RESOURCE = "virtualhost";
  /** HOST_NAME_MAX on Linux (sethostname(2)). */
  static final int HOST_NAME_MAX = 64;
  private static final boolean KERNEL_HAS_PID_AND_MNT =
      Files.exists(Path.of("/proc/self/ns/pid")) && Files.exists(Path.of("/proc/self/ns/mnt"));
  private static final boolean KERNEL_HAS_NET = Files.exists(Path.of("/proc/self/ns/net"));

  @Override
  public String resource() {
    return RESOURCE;
  }

  @Override
  public boolean isMentioned(ContainerSpec spec) {
    return spec.hasVirtualHost();
  }

  @Override
  public void validate(ContainerContext container, ContainerSpec spec, SpecOperation operation)
      throws ContainerException {
    if (!spec.hasVirtualHost()) {
      return;
    }
    if (operation != SpecOperation.CREATE) {
      throw ContainerException.unimplemented("Updating virtual_host is not supported (as in lmctfy)");
    }
    if (!container.name().parent().isRoot()) {
      throw ContainerException.unimplemented("Only top-level containers can be virtual hosts (as in lmctfy): "
          + container.name() + " is nested");
    }
    VirtualHostSpec vh = spec.getVirtualHost();
    if (vh.hasNetwork()) {
      VirtualHostNetwork.validate(vh.getNetwork());
      if (!KERNEL_HAS_NET) {
        throw ContainerException.failedPrecondition("virtual_host.network: this kernel has no network namespaces");
      }
    }
    if (vh.hasInit()) {
      throw ContainerException.unimplemented("virtual_host.init is not implemented: lmctfy-nsinit is every"
          + " virtual host's init");
    }
    if (vh.hasVirtualHostname()) {
      checkHostname(vh.getVirtualHostname());
    }
    if (!KERNEL_HAS_PID_AND_MNT) {
      throw ContainerException.failedPrecondition("This kernel has no pid or mount namespaces (/proc/self/ns)");
    }
  }

  static void checkHostname(String name) throws ContainerException {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    if (bytes.length == 0) {
      throw ContainerException.invalidArgument("virtual_hostname is empty");
    }
    if (bytes.length > HOST_NAME_MAX) {
      throw ContainerException.invalidArgument("virtual_hostname is " + bytes.length + " bytes long; the kernel"
          + " takes at most " + HOST_NAME_MAX);
    }
    if (name.indexOf('\0') >= 0) {
      throw ContainerException.invalidArgument("virtual_hostname contains a NUL character");
    }
  }

  @Override
  public ResourceHandler create(ContainerContext container, ContainerSpec spec) throws ContainerException {
    return new VirtualHostHandler(container, spec.getVirtualHost(), spec.getFilesystem());
  }

  @Override
  public Optional<ResourceHandler> attach(ContainerContext container) throws ContainerException {
    if (container.name().isRoot()) {
      return Optional.empty();
    }
    Optional<ContainerSpec> spec = container.requestedSpec();
    if (spec.isEmpty() || !spec.get().hasVirtualHost()) {
      return Optional.empty();
    }
    return Optional.of(new VirtualHostHandler(container, spec.get().getVirtualHost(), spec.get().getFilesystem()));
  }
}
