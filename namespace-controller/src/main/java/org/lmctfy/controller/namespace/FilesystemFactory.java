package org.lmctfy.controller.namespace;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.FilesystemSpec;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.SpecOperation;
import org.osgi.service.component.annotations.Component;

/**
 * lmctfy's {@code filesystem} resource ({@code ContainerSpec.filesystem}): a virtual host's root filesystem and
 * bind mounts. They live in the virtual host's mount namespace, so the virtual host's init sets them up
 * (VirtualHostHandler); this resource validates them, records them and gives them back in {@code spec()}.
 * Like {@code virtual_host}, they are fixed at creation.
 */
@Component(service = ResourceHandlerFactory.class, property = ResourceHandlerFactory.RESOURCE_PROPERTY
    + "=" + FilesystemFactory.RESOURCE)
public final class FilesystemFactory implements ResourceHandlerFactory {
  static final String RESOURCE = "filesystem";

  @Override
  public String resource() {
    return RESOURCE;
  }

  @Override
  public boolean isMentioned(ContainerSpec spec) {
    return spec.hasFilesystem();
  }

  @Override
  public void validate(ContainerContext container, ContainerSpec spec, SpecOperation operation)
      throws ContainerException {
    if (!spec.hasFilesystem()) {
      return;
    }
    if (operation != SpecOperation.CREATE) {
      if (spec.getFilesystem().hasFdLimit()) {
        VirtualHostFilesystem.validate(spec.getFilesystem(), true); // UNIMPLEMENTED naming fd_limit
      }
      throw ContainerException.unimplemented("Updating filesystem is not supported: the rootfs and mounts of a"
          + " virtual host are fixed at creation (as virtual_host is)");
    }
    VirtualHostFilesystem.validate(spec.getFilesystem(), spec.hasVirtualHost());
  }

  @Override
  public ResourceHandler create(ContainerContext container, ContainerSpec spec) {
    return new Handler(spec.getFilesystem());
  }

  @Override
  public Optional<ResourceHandler> attach(ContainerContext container) throws ContainerException {
    if (container.name().isRoot()) {
      return Optional.empty();
    }
    Optional<ContainerSpec> spec = container.requestedSpec();
    if (spec.isEmpty() || !spec.get().hasFilesystem()) {
      return Optional.empty();
    }
    return Optional.of(new Handler(spec.get().getFilesystem()));
  }

  /** A container's filesystem: nothing to apply or undo outside the virtual host's mount namespace. */
  private record Handler(FilesystemSpec spec) implements ResourceHandler {
    @Override
    public String resource() {
      return RESOURCE;
    }

    @Override
    public void update(ContainerSpec s, UpdatePolicy policy) {
      // validate refuses every change (UNIMPLEMENTED)
    }

    @Override
    public void fillSpec(ContainerSpec.Builder out) {
      out.setFilesystem(spec);
    }

    @Override
    public List<Path> cgroupDirs() {
      return List.of();
    }

    @Override
    public void destroy() {
      // The mounts live in the virtual host's mount namespace, which ends with its init.
    }
  }
}
