package org.lmctfy.spi.cgroup;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;

/**
 * Maps the errno behind an {@link IOException} to lmctfy's status codes (CONVENTIONS: ENOENT → NOT_FOUND,
 * EEXIST → ALREADY_EXISTS, EBUSY → FAILED_PRECONDITION, EACCES/EPERM → PERMISSION_DENIED, EINVAL →
 * INVALID_ARGUMENT). The JDK reports errno as strerror text, so the mapping reads that text.
 */
public final class KernelErrors {
  private KernelErrors() {}

  /** @param what the operation, naming the file and value, e.g. {@code write "5" to /x/cpu.shares} */
  public static ContainerException map(IOException e, String what) {
    String reason = reason(e);
    return new ContainerException(code(e, reason), what + ": " + reason, e);
  }

  public static StatusCode code(IOException e) {
    return code(e, reason(e));
  }

  private static String reason(IOException e) {
    if (e instanceof FileSystemException) {
      String r = ((FileSystemException) e).getReason();
      if (r != null) {
        return r;
      }
      if (e instanceof NoSuchFileException) {
        return "No such file or directory";
      }
      if (e instanceof FileAlreadyExistsException) {
        return "File exists";
      }
      if (e instanceof AccessDeniedException) {
        return "Permission denied";
      }
      if (e instanceof DirectoryNotEmptyException) {
        return "Directory not empty";
      }
    }
    return String.valueOf(e.getMessage());
  }

  private static StatusCode code(IOException e, String reason) {
    if (e instanceof NoSuchFileException) {
      return StatusCode.NOT_FOUND;
    }
    if (e instanceof FileAlreadyExistsException) {
      return StatusCode.ALREADY_EXISTS;
    }
    if (e instanceof AccessDeniedException) {
      return StatusCode.PERMISSION_DENIED;
    }
    if (e instanceof DirectoryNotEmptyException) {
      return StatusCode.FAILED_PRECONDITION;
    }
    switch (reason) {
      case "No such file or directory":
      case "No such process":
        return StatusCode.NOT_FOUND;
      case "File exists":
        return StatusCode.ALREADY_EXISTS;
      case "Device or resource busy":
      case "Directory not empty":
      case "No space left on device":
        return StatusCode.FAILED_PRECONDITION;
      case "Permission denied":
      case "Operation not permitted":
        return StatusCode.PERMISSION_DENIED;
      case "Invalid argument":
      case "No such device":
        return StatusCode.INVALID_ARGUMENT;
      case "Numerical result out of range":
        return StatusCode.OUT_OF_RANGE;
      case "Operation not supported":
        return StatusCode.UNIMPLEMENTED;
      default:
        return StatusCode.UNAVAILABLE;
    }
  }
}
