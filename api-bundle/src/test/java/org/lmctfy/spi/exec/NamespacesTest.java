package org.lmctfy.spi.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NamespacesTest {
  @Test
  void joinedNamespacesAreAskedForInTheKernelsOrderWhateverTheMapsOrder() {
    Map<NamespaceType, Path> join = new LinkedHashMap<>();
    join.put(NamespaceType.MNT, Path.of("/proc/7/ns/mnt"));
    join.put(NamespaceType.PID, Path.of("/proc/7/ns/pid"));
    join.put(NamespaceType.USER, Path.of("/proc/7/ns/user"));
    Namespaces ns = new Namespaces(join, null, null, false);
    assertThat(ns.helperArguments()).containsExactly("--ns", "user=/proc/7/ns/user", "--ns", "pid=/proc/7/ns/pid",
        "--ns", "mnt=/proc/7/ns/mnt");
    assertThat(ns.forks()).isTrue();
    assertThat(ns.unshare()).isEmpty();
  }

  @Test
  void aProcesssNamespaceFilesAreUnderProc() {
    Namespaces ns = Namespaces.joining(42, EnumSet.of(NamespaceType.UTS, NamespaceType.IPC));
    assertThat(ns.join()).containsOnly(Map.entry(NamespaceType.IPC, Path.of("/proc/42/ns/ipc")),
        Map.entry(NamespaceType.UTS, Path.of("/proc/42/ns/uts")));
    assertThat(ns.forks()).as("no pid namespace, no fork").isFalse();
  }

  @Test
  void newNamespacesWithAHostnameAndAFreshProc() {
    Namespaces ns = Namespaces.creating(Set.of(NamespaceType.PID, NamespaceType.MNT, NamespaceType.IPC,
        NamespaceType.UTS), "vh1", true);
    assertThat(ns.helperArguments()).containsExactly("--unshare", "ipc,uts,pid,mnt", "--hostname", "vh1",
        "--mount-proc");
    assertThat(ns.forks()).isTrue();
  }

  @Test
  void noneAsksForNothing() {
    assertThat(Namespaces.NONE.helperArguments()).isEmpty();
    assertThat(Namespaces.NONE.forks()).isFalse();
    assertThat(NamespaceType.TIME.canUnshare()).isFalse();
    assertThat(NamespaceType.NET.canUnshare()).isTrue();
  }
}
