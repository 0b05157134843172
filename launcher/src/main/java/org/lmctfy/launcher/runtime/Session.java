package org.lmctfy.launcher.runtime;

import com.google.protobuf.Descriptors.Descriptor;
import java.util.List;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;

/** Where the CLI's calls go: a running lmctfyd, or a framework booted in this process. */
public interface Session extends AutoCloseable {
  ContainerApi api() throws ContainerException;

  /** The extension message types of the active resources (for vendor specs in text format and JSON). */
  List<Descriptor> extensionTypes() throws ContainerException;

  @Override
  void close();

  /** In-process: the framework of this JVM. */
  static Session embedded(OsgiRuntime runtime) {
    return new Session() {
      @Override
      public ContainerApi api() throws ContainerException {
        return runtime.api();
      }

      @Override
      public List<Descriptor> extensionTypes() {
        return runtime.extensionTypes();
      }

      @Override
      public void close() {
        runtime.close();
      }
    };
  }
}
