package org.lmctfy.api;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.TextFormat;
import com.google.protobuf.TypeRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Parses and prints specs as lmctfy does: protobuf text format first, then binary. Vendor resources' specs
 * inside {@code extensions} need a {@link TypeRegistry} that knows their message types.
 */
public final class SpecFormat {
  private SpecFormat() {}

  /** protobuf's words for an Any whose type the registry does not know. */
  private static final java.util.regex.Pattern UNKNOWN_ANY =
      java.util.regex.Pattern.compile("Unable to parse Any of type: ([^ .]+(?:\\.[^ .]+)*)");

  /**
   * Parses {@code input} (text format, else binary) into a message of {@code builder}'s type. Binary input
   * must consist of fields the message types define: text that is no spec can be valid wire format ("mem 100"
   * is fields 6 and 13), and a newer version's fields would be silently ignored.
   */
  public static <B extends Message.Builder> B parse(byte[] input, B builder, TypeRegistry registry)
      throws ContainerException {
    String text = new String(input, StandardCharsets.UTF_8);
    TextFormat.Parser parser = TextFormat.Parser.newBuilder().setTypeRegistry(registry).build();
    try {
      parser.merge(text, builder);
      return builder;
    } catch (TextFormat.ParseException textError) {
      builder.clear();
      String binaryError;
      try {
        builder.mergeFrom(input);
        String unknown = unknownField(builder, "");
        if (unknown == null) {
          return builder;
        }
        binaryError = "field " + unknown + " is not defined";
      } catch (InvalidProtocolBufferException e) {
        binaryError = e.getMessage();
      }
      builder.clear();
      java.util.regex.Matcher any = UNKNOWN_ANY.matcher(String.valueOf(textError.getMessage()));
      if (any.find()) {
        // A vendor resource's spec whose plugin is not active: the resource is unavailable, not the text wrong.
        throw ContainerException.unavailable("No active resource defines the type " + any.group(1)
            + " (its plugin bundle is missing or stopped)");
      }
      throw ContainerException.invalidArgument("Cannot parse " + builder.getDescriptorForType().getName()
          + ": not valid text format (" + textError.getMessage() + ") nor binary protobuf (" + binaryError + ")");
    }
  }

  /** The path ("cpu.999") of the first field in {@code m} that its message types do not define, or null. */
  private static String unknownField(MessageOrBuilder m, String path) {
    if (!m.getUnknownFields().asMap().isEmpty()) {
      return path + m.getUnknownFields().asMap().keySet().iterator().next();
    }
    for (Map.Entry<FieldDescriptor, Object> f : m.getAllFields().entrySet()) {
      if (f.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      List<?> values = f.getKey().isRepeated() ? (List<?>) f.getValue() : List.of(f.getValue());
      for (Object v : values) {
        String unknown = unknownField((MessageOrBuilder) v, path + f.getKey().getName() + ".");
        if (unknown != null) {
          return unknown;
        }
      }
    }
    return null;
  }

  public static <B extends Message.Builder> B parse(String text, B builder) throws ContainerException {
    return parse(text.getBytes(StandardCharsets.UTF_8), builder, TypeRegistry.getEmptyTypeRegistry());
  }

  /** Text format, one field per line, resolving Any payloads through {@code registry}. */
  public static String print(Message message, TypeRegistry registry) {
    return TextFormat.printer().usingTypeRegistry(registry).printToString(message);
  }
}
