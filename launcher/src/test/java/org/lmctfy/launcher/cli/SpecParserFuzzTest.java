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

  /**
   * Whether {@code m} is a spec the daemon could print back: no fields unknown to these messages (binary
   * input may carry them; neither text nor JSON can), and vendor messages of a known type whose bytes parse.
   */
  private static boolean printable(Message m) {
    if (!m.getUnknownFields().asMap().isEmpty()) {
      return false;
    }
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
    for (Map.Entry<FieldDescriptor, Object> f : m.getAllFields().entrySet()) {
      if (f.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      List<?> values = f.getKey().isRepeated() ? (List<?>) f.getValue() : List.of(f.getValue());
      for (Object v : values) {
        if (!printable((Message) v)) {
          return false;
        }
      }
    }
    return true;
  }
}
