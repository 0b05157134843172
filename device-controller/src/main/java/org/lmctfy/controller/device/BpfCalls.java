package org.lmctfy.controller.device;

import jnr.ffi.Pointer;

/**
 * The C library calls the cgroup2 device program needs: {@code syscall(SYS_bpf, cmd, attr, size)} (the C library
 * has no bpf() wrapper) and open/close of the cgroup directory, bound by jnr-ffi. Public only because jnr-ffi
 * implements it in a class loader of its own; the package is private to the bundle.
 */
public interface BpfCalls {
  long syscall(long number, int cmd, Pointer attr, int size);

  int open(String path, int flags);

  int close(int fd);
}
