package org.lmctfy.spi.cgroup;

import java.nio.file.Path;
import java.util.Optional;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.PressureStats;

/** Pressure stall information (Documentation/accounting/psi.rst): {@code cpu.pressure} and friends. */
public final class Pressure {
  private Pressure() {}

  /** The PSI file of a cgroup2 directory, or empty when the kernel has no PSI there. */
  public static Optional<PressureStats> read(Path cgroup2Dir, String file) throws ContainerException {
    if (cgroup2Dir == null || !ControlFiles.exists(cgroup2Dir, file)) {
      return Optional.empty();
    }
    String text;
    try {
      text = ControlFiles.read(cgroup2Dir, file);
    } catch (ContainerException e) {
      return Optional.empty(); // PSI disabled at boot (psi=0): the file exists but reads EOPNOTSUPP
    }
    return Optional.of(parse(text));
  }

  /** Parses "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" lines. */
  public static PressureStats parse(String text) {
    PressureStats.Builder b = PressureStats.newBuilder();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length < 5) {
        continue;
      }
      PressureStats.Line.Builder l = PressureStats.Line.newBuilder();
      for (int i = 1; i < f.length; i++) {
        int eq = f[i].indexOf('=');
        if (eq < 0) {
          continue;
        }
        String k = f[i].substring(0, eq);
        String v = f[i].substring(eq + 1);
        switch (k) {
          case "avg10": l.setAvg10(Double.parseDouble(v)); break;
          case "avg60": l.setAvg60(Double.parseDouble(v)); break;
          case "avg300": l.setAvg300(Double.parseDouble(v)); break;
          case "total": l.setTotal(Long.parseLong(v)); break;
          default: break;
        }
      }
      if (f[0].equals("some")) {
        b.setSome(l);
      } else if (f[0].equals("full")) {
        b.setFull(l);
      }
    }
    return b.build();
  }
}
