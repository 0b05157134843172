package org.lmctfy.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The distribution's systemd unit is one systemd accepts (systemd-analyze verify), pointing at bin/lmctfyd. */
class SystemdUnitIT {
  @Test
  void theUnitVerifies() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")), "no systemd-analyze here");
    try (Dist dist = Dist.copy()) {
      String unit = Files.readString(dist.home.resolve("systemd/lmctfyd.service"));
      assertThat(unit).contains("ExecStart=/opt/lmctfy/bin/lmctfyd").contains("KillMode=process")
          .contains("KillSignal=SIGTERM");
      Path local = dist.home.resolve("lmctfyd.service");
      Files.writeString(local, unit.replace("/opt/lmctfy", dist.home.toString()));
      Process p = new ProcessBuilder("systemd-analyze", "verify", local.toString()).redirectErrorStream(true).start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out).as("systemd's complaints").isBlank();
    }
  }
}
