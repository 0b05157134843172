package org.lmctfy.api;

/**
 * lmctfy's status codes (util.error.Code, the canonical Google codes). The numeric value is the CLI's exit
 * code and the code carried on the wire.
 */
public enum StatusCode {
  OK(0),
  CANCELLED(1),
  UNKNOWN(2),
  INVALID_ARGUMENT(3),
  DEADLINE_EXCEEDED(4),
  NOT_FOUND(5),
  ALREADY_EXISTS(6),
  PERMISSION_DENIED(7),
  RESOURCE_EXHAUSTED(8),
  FAILED_PRECONDITION(9),
  ABORTED(10),
  OUT_OF_RANGE(11),
  UNIMPLEMENTED(12),
  INTERNAL(13),
  UNAVAILABLE(14),
  DATA_LOSS(15);

  private final int number;

  StatusCode(int number) {
    this.number = number;
  }

  public int number() {
    return number;
  }

  public static StatusCode forNumber(int number) {
    for (StatusCode c : values()) {
      if (c.number == number) {
        return c;
      }
    }
    return UNKNOWN;
  }
}
