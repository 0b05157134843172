package org.lmctfy.launcher.cli;

import java.util.List;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.TypeRegistry;

/**
 * The type registry of the active resources' extension types, built once per list: the runtime hands out
 * the same list instance until a resource comes or goes, and lmctfyd prints a message with it for every
 * command line.
 */
final class TypeRegistries {
  private record Built(List<Descriptor> types, TypeRegistry registry) {}

  private static volatile Built last = new Built(List.of(), TypeRegistry.getEmptyTypeRegistry());

  private TypeRegistries() {}

  static TypeRegistry of(List<Descriptor> types) {
    Built b = last;
    if (b.types != types) {
      b = new Built(types, TypeRegistry.newBuilder().add(types).build());
      last = b;
    }
    return b.registry;
  }
}
