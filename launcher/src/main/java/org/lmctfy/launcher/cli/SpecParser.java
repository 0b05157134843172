package org.lmctfy.launcher.cli;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.SpecFormat;

/**
 * The command line's spec arguments: protobuf text format (then binary), as lmctfy; or JSON when the input
 * is a JSON object. Vendor resources' messages inside {@code extensions} parse through their descriptors.
 */
final class SpecParser {
  private SpecParser() {}

  /**
   * Parses {@code input} into {@code builder}.
   *
   * @throws ContainerException INVALID_ARGUMENT for input that is none of the three formats; UNAVAILABLE for a
   *     vendor type that no active resource defines
   */
  static <B extends Message.Builder> B parse(byte[] input, B builder, List<Descriptor> extensionTypes)
      throws ContainerException {
    String text = new String(input, StandardCharsets.UTF_8).strip();
    if (text.startsWith("{") && text.endsWith("}")) {
      try {
        JsonFormat.parser().usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder().add(extensionTypes).build())
            .merge(text, builder);
        return builder;
      } catch (InvalidProtocolBufferException e) {
        throw ContainerException.invalidArgument("Cannot parse the JSON " + builder.getDescriptorForType().getName()
            + ": " + e.getMessage());
      }
    }
    return SpecFormat.parse(input, builder, TypeRegistries.of(extensionTypes));
  }
}
