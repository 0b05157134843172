package com.example.lmctfy.pids;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/** The plugin depends on lmctfy only through its exported API/SPI packages, as a vendor's must. */
class ManifestTest {
  @Test
  void importsOnlyTheExportedApiSpiAndProtobuf() throws Exception {
    Path mf = Path.of("target/classes/META-INF/MANIFEST.MF");
    Manifest m;
    try (InputStream in = Files.newInputStream(mf)) {
      m = new Manifest(in);
    }
    String imports = m.getMainAttributes().getValue("Import-Package");
    assertThat(imports).isNotBlank();
    for (String clause : imports.split(",(?=[a-z])")) {
      String pkg = clause.split(";")[0];
      assertThat(pkg).as(clause).matches("org\\.lmctfy\\.(api|api\\.proto|spi|spi\\.cgroup)|com\\.google\\.protobuf"
          + "|org\\.osgi\\.service\\.component.*");
    }
    assertThat(m.getMainAttributes().getValue("Service-Component")).contains("PidsFactory");
  }
}
