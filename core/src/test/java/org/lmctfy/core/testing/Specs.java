package org.lmctfy.core.testing;

import org.lmctfy.api.ContainerException;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.proto.ContainerSpec;

/** Specs as tests write them: lmctfy's text format (or JSON), parsed as the CLI parses them. */
public final class Specs {
  private Specs() {}

  /** Parses a text-format (or JSON) ContainerSpec. */
  public static ContainerSpec spec(String text) throws ContainerException {
    return SpecFormat.parse(text, ContainerSpec.newBuilder()).build();
  }
}
