package org.lmctfy.core.testing;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.lmctfy.core.ContainerApiImpl;
import org.lmctfy.core.FactoryRegistry;
import org.lmctfy.spi.cgroup.CgroupLayout;

/** A JVM that execs a command in a container: ExecMain <cgroup root> <state dir> <container> <cmd...>. */
public final class ExecMain {
  private ExecMain() {}

  public static void main(String[] args) throws Exception {
    ContainerApiImpl api = new ContainerApiImpl(CgroupLayout.detect(), args[0], Path.of(args[1]),
        new FactoryRegistry());
    try {
      api.get(args[2]).exec(List.of(Arrays.copyOfRange(args, 3, args.length)));
    } catch (org.lmctfy.api.ContainerException e) {
      System.out.println(e);
      System.exit(e.code().number());
    }
  }
}
