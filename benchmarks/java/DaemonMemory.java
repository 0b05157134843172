import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.CpuSpec;
import org.lmctfy.api.proto.MemorySpec;
import org.lmctfy.launcher.client.RemoteSession;

/**
 * lmctfyd's resident memory with many live containers (run by run-daemon-memory.sh): N containers created
 * through the socket by 4 clients (100 parents of N/100 children, each isolating cpu and memory), then spec
 * and stats of every one and a recursive list, then all destroyed. Prints the daemon's VmRSS after each
 * phase. Arguments: socket, daemon pid, N.
 */
public class DaemonMemory {
  static long rssKiB(long pid) throws Exception {
    for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (l.startsWith("VmRSS:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS");
  }

  static void report(String phase, long pid, long startNs) throws Exception {
    System.gc();
    Thread.sleep(3000); // the daemon's own GC settles
    System.out.printf("%-34s rss %4d MiB  (%.1f s)%n", phase, rssKiB(pid) / 1024,
        (System.nanoTime() - startNs) / 1e9);
  }

  public static void main(String[] a) throws Exception {
    Path socket = Path.of(a[0]);
    long pid = Long.parseLong(a[1]);
    int n = Integer.parseInt(a[2]);
    int parents = Math.max(1, n / 100);
    long t0 = System.nanoTime();
    report("idle", pid, t0);
    ContainerSpec spec = ContainerSpec.newBuilder().setCpu(CpuSpec.newBuilder().setLimit(100))
        .setMemory(MemorySpec.newBuilder().setLimit(64L << 20)).build();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<RemoteSession> sessions = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      sessions.add(RemoteSession.connect(socket, null).orElseThrow());
    }
    ContainerApi api = sessions.get(0).api();
    for (int p = 0; p < parents; p++) {
      api.create("/m" + p, spec);
    }
    List<Future<?>> fs = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      ContainerApi c = sessions.get(t).api();
      int first = t;
      fs.add(pool.submit(() -> {
        for (int i = first; i < n - parents; i += 4) {
          c.create("/m" + (i % parents) + "/c" + i, spec);
        }
        return null;
      }));
    }
    for (Future<?> f : fs) {
      f.get();
    }
    report(n + " live containers", pid, t0);
    List<Container> all = api.get("/").listSubcontainers(ListPolicy.RECURSIVE);
    fs.clear();
    for (int t = 0; t < 4; t++) {
      ContainerApi c = sessions.get(t).api();
      int first = t;
      fs.add(pool.submit(() -> {
        for (int i = first; i < all.size(); i += 4) {
          Container x = c.get(all.get(i).name());
          x.spec();
          x.stats(StatsType.FULL);
        }
        return null;
      }));
    }
    for (Future<?> f : fs) {
      f.get();
    }
    report("after spec+stats of " + all.size(), pid, t0);
    fs.clear();
    for (int t = 0; t < 4; t++) {
      ContainerApi c = sessions.get(t).api();
      int first = t;
      fs.add(pool.submit(() -> {
        for (int p = first; p < parents; p += 4) {
          c.destroy(c.get("/m" + p));
        }
        return null;
      }));
    }
    for (Future<?> f : fs) {
      f.get();
    }
    report("all destroyed", pid, t0);
    pool.shutdown();
    sessions.forEach(RemoteSession::close);
  }
}
