package org.lmctfy.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The record files (and temp files) a state directory holds, by file name, sorted. */
final class Records {
  private Records() {}

  static List<String> names(Path stateDir) throws IOException {
    if (!Files.isDirectory(stateDir.resolve("records"))) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(stateDir.resolve("records"))) {
      return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
