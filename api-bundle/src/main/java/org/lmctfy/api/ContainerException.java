package org.lmctfy.api;

/**
 * The one error type of the API: a status code mirroring lmctfy's and a message naming the container, the
 * resource and the file or value at fault. {@link #toString()} is lmctfy's {@code "<CODE>: <message>"}.
 */
public class ContainerException extends Exception {
  private static final long serialVersionUID = 1L;

  private final StatusCode code;

  public ContainerException(StatusCode code, String message) {
    super(message);
    this.code = code;
  }

  public ContainerException(StatusCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public StatusCode code() {
    return code;
  }

  /** A copy with more context in front of the message, same code and cause. */
  public ContainerException withContext(String context) {
    return new ContainerException(code, context + ": " + getMessage(), this);
  }

  @Override
  public String toString() {
    return code + ": " + getMessage();
  }

  public static ContainerException invalidArgument(String message) {
    return new ContainerException(StatusCode.INVALID_ARGUMENT, message);
  }

  public static ContainerException notFound(String message) {
    return new ContainerException(StatusCode.NOT_FOUND, message);
  }

  public static ContainerException failedPrecondition(String message) {
    return new ContainerException(StatusCode.FAILED_PRECONDITION, message);
  }

  public static ContainerException unavailable(String message) {
    return new ContainerException(StatusCode.UNAVAILABLE, message);
  }

  public static ContainerException unimplemented(String message) {
    return new ContainerException(StatusCode.UNIMPLEMENTED, message);
  }

  public static ContainerException internal(String message, Throwable cause) {
    return new ContainerException(StatusCode.INTERNAL, message, cause);
  }
}
