package org.lmctfy.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;

/** Assertions on lmctfy's errors: the status code and a fragment of the message. */
public final class Expect {
  private Expect() {}

  /** Something that should fail. */
  public interface Call {
    void run() throws Exception;
  }

  public static void code(Call call, StatusCode code, String fragment) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(ContainerException.class,
        e -> assertThat(e.code()).isEqualTo(code)).hasMessageContaining(fragment);
  }
}
