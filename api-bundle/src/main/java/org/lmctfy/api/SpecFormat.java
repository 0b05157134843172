package org.lmctfy.api;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import com.google.protobuf.TypeRegistry;
import java.nio.charset.StandardCharsets;

/**
 * Parses and prints specs as lmctfy does: protobuf text format first, then binary. Vendor resources' specs
 * inside {@code extensions} need a {@link TypeRegistry} that knows their message types.
 */
public final class SpecFormat {
  private SpecFormat() {}

  /** protobuf's words for an Any whose type the registry does not know. */
  private static final java.util.regex.Pattern UNKNOWN_ANY =
      java.util.regex.Pattern.compile("Unable to parse Any of type: ([^ .]+(?:\\.[^ .]+)*)");

  /** Parses {@code input} (text format, else binary) into a message of {@code builder}'s type. */
  public static <B extends Message.Builder> B parse(byte[] input, B builder, TypeRegistry registry)
      throws ContainerException {
    String text = new String(input, StandardCharsets.UTF_8);
    TextFormat.Parser parser = TextFormat.Parser.newBuilder().setTypeRegistry(registry).build();
    try {
      parser.merge(text, builder);
      return builder;
    } catch (TextFormat.ParseException textError) {
      builder.clear();
      try {
        builder.mergeFrom(input);
        return builder;
      } catch (InvalidProtocolBufferException binaryError) {
        builder.clear();
        java.util.regex.Matcher any = UNKNOWN_ANY.matcher(String.valueOf(textError.getMessage()));
        if (any.find()) {
          // A vendor resource's spec whose plugin is not active: the resource is unavailable, not the text wrong.
          throw ContainerException.unavailable("No active resource defines the type " + any.group(1)
              + " (its plugin bundle is missing or stopped)");
        }
        throw ContainerException.invalidArgument("Cannot parse " + builder.getDescriptorForType().getName()
            + ": not valid text format (" + textError.getMessage() + ") nor binary protobuf");
      }
    }
  }

  public static <B extends Message.Builder> B parse(String text, B builder) throws ContainerException {
    return parse(text.getBytes(StandardCharsets.UTF_8), builder, TypeRegistry.getEmptyTypeRegistry());
  }

  /** Text format, one field per line, resolving Any payloads through {@code registry}. */
  public static String print(Message message, TypeRegistry registry) {
    return TextFormat.printer().usingTypeRegistry(registry).printToString(message);
  }
}
