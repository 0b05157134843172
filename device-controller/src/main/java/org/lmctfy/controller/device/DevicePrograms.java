package org.lmctfy.controller.device;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lmctfy.api.ContainerException;

/**
 * The device programs of lmctfy attached to one cgroup2 directory, found in the kernel each time (by their
 * name, {@value Bpf#PROGRAM_NAME}) so that a new instance of the bundle finds what an earlier one attached. Other
 * device programs attached there (someone else's) are left alone: with {@code BPF_F_ALLOW_MULTI} they can only
 * restrict further.
 */
final class DevicePrograms {
  private final Bpf bpf;
  private final Path dir;

  DevicePrograms(Bpf bpf, Path dir) {
    this.bpf = bpf;
    this.dir = dir;
  }

  /**
   * Makes the cgroup enforce {@code state}: the new program is attached in place of the old one in one step
   * ({@code BPF_F_REPLACE}, Linux 5.6+), so the cgroup is never without a program; on an older kernel it is
   * attached before the old one is detached (both enforce meanwhile: the stricter of the two).
   */
  void install(DeviceEmulator state) throws ContainerException {
    int prog = bpf.load(DeviceFilter.encode(DeviceFilter.program(state)));
    int cg = -1;
    List<Integer> old = new ArrayList<>();
    try {
      cg = bpf.openCgroup(dir);
      old = ours(cg);
      int errno = old.size() == 1 ? bpf.attach(cg, prog, old.get(0)) : Bpf.EINVAL;
      if (old.size() == 1 && errno == 0) {
        return;
      }
      if (old.size() == 1 && errno != Bpf.EINVAL) {
        throw failed("replace", errno);
      }
      errno = bpf.attach(cg, prog, -1);
      if (errno != 0) {
        throw failed("attach", errno);
      }
      detach(cg, old, "detach the previous");
    } finally {
      for (int fd : old) {
        bpf.close(fd);
      }
      bpf.close(cg);
      bpf.close(prog); // the cgroup holds the attached program
    }
  }

  /** Detaches lmctfy's programs from the cgroup; nothing to do when the cgroup is gone. */
  void remove() throws ContainerException {
    int cg;
    try {
      cg = bpf.openCgroup(dir);
    } catch (ContainerException e) {
      if (e.code() == org.lmctfy.api.StatusCode.NOT_FOUND) {
        return; // removing the cgroup detached them
      }
      throw e;
    }
    List<Integer> old = List.of();
    try {
      old = ours(cg);
      detach(cg, old, "detach");
    } finally {
      for (int fd : old) {
        bpf.close(fd);
      }
      bpf.close(cg);
    }
  }

  /** Detaches {@code programs} from the cgroup; one already gone (ENOENT) is fine. */
  private void detach(int cg, List<Integer> programs, String what) throws ContainerException {
    for (int fd : programs) {
      int e = bpf.detach(cg, fd);
      if (e != 0 && e != Bpf.ENOENT) {
        throw failed(what, e);
      }
    }
  }

  /** How many lmctfy device programs are attached to the cgroup itself. */
  int count() throws ContainerException {
    return ids().size();
  }

  /** The kernel's ids of lmctfy's device programs attached to the cgroup itself. */
  List<Integer> ids() throws ContainerException {
    int cg = bpf.openCgroup(dir);
    List<Integer> fds = List.of();
    try {
      fds = ours(cg);
      List<Integer> out = new ArrayList<>();
      for (int fd : fds) {
        out.add(bpf.id(fd));
      }
      return out;
    } finally {
      for (int fd : fds) {
        bpf.close(fd);
      }
      bpf.close(cg);
    }
  }

  /** Descriptors of lmctfy's programs attached to the cgroup (the caller closes them). */
  private List<Integer> ours(int cg) throws ContainerException {
    List<Integer> out = new ArrayList<>();
    for (int id : bpf.attached(cg)) {
      int fd = bpf.programById(id);
      if (fd < 0) {
        continue; // gone meanwhile, or hidden by an LSM (then not ours to manage)
      }
      if (Bpf.PROGRAM_NAME.equals(bpf.name(fd))) {
        out.add(fd);
      } else {
        bpf.close(fd);
      }
    }
    return out;
  }

  private ContainerException failed(String what, int errno) {
    return Bpf.error(errno, "bpf(BPF_PROG_ATTACH/DETACH): " + what + " device program of " + dir);
  }
}
