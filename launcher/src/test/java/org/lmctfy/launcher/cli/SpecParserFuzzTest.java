package org.lmctfy.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.CpuSpec;

/**
 * Fuzz test of spec arguments as the command line parses them (JSON object, else text format, else binary):
 * any input parses or is refused with INVALID_ARGUMENT (UNAVAILABLE for a vendor type no resource defines),
 * never another exception, never a hang; a parsed spec prints, in text and in JSON, to what parses back to
 * it. Regression inputs: {@code SpecParserFuzzTestInputs/<method>/}; README, "Fuzzing", says how to fuzz.
 */
class SpecParserFuzzTest {
  /** A vendor resource's message type, here played by CpuSpec (as in SpecFormatTest). */
  private static final List<Descriptor> VENDOR_TYPES = List.of(CpuSpec.getDescriptor());

  @FuzzTest
  @Timeout(5)
  void anySpecArgumentParsesOrIsInvalid(byte[] input) throws Exception {
    ContainerSpec spec;
    try {
      spec = SpecParser.parse(input, ContainerSpec.newBuilder(), VENDOR_TYPES).build();
    } catch (ContainerException e) {
      if (e.code() == StatusCode.UNAVAILABLE) {
        assertThat(e.getMessage()).startsWith("No active resource defines the type");
      } else {
        assertThat(e.code()).as("status of %s", e).isEqualTo(StatusCode.INVALID_ARGUMENT);
      }
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    assertThat(ContainerSpec.parseFrom(spec.toByteArray())).isEqualTo(spec);
    // Every field of an accepted spec means something: text that is no spec can be valid wire format.
    assertThat(unknownFields(spec)).as("fields unknown to the spec parsed from %s", spec).isFalse();
    if (!printable(spec)) {
      return;
    }
    // What lmctfy spec prints (text, or JSON with --output=json) is a spec argument that gives it back.
    String text = SpecFormat.print(spec, TypeRegistry.newBuilder().add(VENDOR_TYPES).build());
    assertThat(SpecParser.parse(text.getBytes(StandardCharsets.UTF_8), ContainerSpec.newBuilder(), VENDOR_TYPES)
        .build()).as("text %s", text).isEqualTo(spec);
    String json = JsonFormat.printer().usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder().add(VENDOR_TYPES)
        .build()).print(spec);
    assertThat(SpecParser.parse(json.getBytes(StandardCharsets.UTF_8), ContainerSpec.newBuilder(), VENDOR_TYPES)
        .build()).as("JSON %s", json).isEqualTo(spec);
  }

  private static boolean unknownFields(Message m) {
    return !m.getUnknownFields().asMap().isEmpty() || fields(m).stream().anyMatch(SpecParserFuzzTest::unknownFields);
  }

  /** Whether {@code m}'s vendor messages are of a known type and their bytes parse (else no printer can). */
  private static boolean printable(Message m) {
    if (m instanceof Any any) {
      Descriptor type = VENDOR_TYPES.stream().filter(d -> any.getTypeUrl().equals("type.googleapis.com/"
          + d.getFullName())).findFirst().orElse(null);
      if (type == null) {
        return false;
      }
      try {
        return printable(CpuSpec.parseFrom(any.getValue()));
      } catch (InvalidProtocolBufferException e) {
        return false;
      }
    }
    return fields(m).stream().allMatch(SpecParserFuzzTest::printable);
  }

  /** The message-typed field values of {@code m}, repeated ones and map entries included. */
  private static List<Message> fields(Message m) {
    List<Message> out = new ArrayList<>();
    for (Map.Entry<FieldDescriptor, Object> f : m.getAllFields().entrySet()) {
      if (f.getKey().getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        for (Object v : f.getKey().isRepeated() ? (List<?>) f.getValue() : List.of(f.getValue())) {
          out.add((Message) v);
        }
      }
    }
    return out;
  }
}
