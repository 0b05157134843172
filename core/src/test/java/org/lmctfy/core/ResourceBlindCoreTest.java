package org.lmctfy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The core knows no resource (docs/ARCHITECTURE.md, "How the core stays resource-blind"): its sources name no
 * resource and no control file of one in a string literal, and branch on no resource field of a spec. What it
 * needs to know it asks capabilities or lmctfy's API table ({@code org.lmctfy.spi.BuiltInResources}). Comments
 * may name resources as examples. A source scan: crude, but it fails when a resource creeps back in.
 */
class ResourceBlindCoreTest {
  /** Resources (lmctfy's and the kernel's controllers) and the fields that name them. */
  static final Set<String> RESOURCES = Set.of("cpu", "cpuacct", "cpuset", "memory", "blkio", "blockio", "io",
      "freezer", "virtualhost", "virtual_host", "device", "devices", "network", "monitoring", "filesystem",
      "net_cls", "net_prio", "perf_event", "pids", "hugetlb", "rdma", "misc", "oom", "memory_threshold");
  /** Control files of a resource start with its controller's name and a dot (cgroup.* are the core's). */
  static final List<String> CONTROL_FILE_PREFIXES = List.of("cpu.", "cpuacct.", "cpuset.", "memory.", "blkio.",
      "io.", "freezer.", "devices.", "net_cls.", "net_prio.", "perf_event.", "pids.", "hugetlb.", "rdma.", "misc.");
  /** Accessors and messages of the spec's resource parts: a branch on a resource. */
  static final Pattern RESOURCE_CODE = Pattern.compile("\\b(?:(?:has|get|set|clear|merge)(?:Cpu|Memory|Blockio"
      + "|Device|Network|Monitoring|Filesystem|VirtualHost|Oom|MemoryThreshold)\\w*"
      + "|(?:Cpu|Memory|Blockio|Device|Network|Monitoring|Filesystem|VirtualHost)(?:Spec|Stats)\\w*)\\b");

  @Test
  void coreSourcesNameNoResourceAndNoControlFileOfOne() throws IOException {
    Path sources = Path.of(System.getProperty("basedir", "."), "src", "main", "java");
    assertThat(sources).isDirectory();
    List<String> found = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> s = Files.walk(sources)) {
      files = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
    assertThat(files).as("core sources").hasSizeGreaterThan(10);
    for (Path f : files) {
      for (String v : violations(Files.readString(f))) {
        found.add(sources.relativize(f) + ": " + v);
      }
    }
    assertThat(found).as("resource names or control files in core/src/main/java (ask a capability instead)")
        .isEmpty();
  }

  /** The scan itself can fail: what it must catch, and what it must let pass. */
  @Test
  void theScanCatchesResourceNamesInCodeButNotInComments() {
    assertThat(violations("class A { String s = \"freezer.state\"; }")).hasSize(1);
    assertThat(violations("class A { boolean b = x.contains(\"freezer\"); }")).hasSize(1);
    assertThat(violations("class A { String s = \"Memory events need it\"; }")).hasSize(1);
    assertThat(violations("class A { String s = \"\"\"\n  io.max\n  \"\"\"; }")).hasSize(1);
    assertThat(violations("class A { void f() { if (spec.hasMemory()) {} } }")).hasSize(1);
    assertThat(violations("class A { CpuSpec c; }")).hasSize(1);
    assertThat(violations("class A { char c = '\"'; String s = \"cpu\"; }")).hasSize(1);
    assertThat(violations("class A {\n  // a comment naming the freezer and memory.max\n"
        + "  /* \"freezer.state\" */ String s = \"ratio. cgroup.freeze \\\"paused\\\"\"; }")).isEmpty();
  }

  /** What in {@code source} names a resource: string literals (by word) and code outside comments. */
  static List<String> violations(String source) {
    List<String> out = new ArrayList<>();
    StringBuilder code = new StringBuilder();
    int line = 1;
    int i = 0;
    int n = source.length();
    while (i < n) {
      char c = source.charAt(i);
      if (source.startsWith("//", i)) {
        while (i < n && source.charAt(i) != '\n') {
          i++;
        }
      } else if (source.startsWith("/*", i)) {
        int end = source.indexOf("*/", i + 2);
        end = end < 0 ? n : end + 2;
        line += count(source, i, end);
        code.append(" ").append("\n".repeat(count(source, i, end))); // keeps code lines where they were
        i = end;
      } else if (source.startsWith("\"\"\"", i)) {
        int end = source.indexOf("\"\"\"", i + 3);
        end = end < 0 ? n : end + 3;
        check(source.substring(i + 3, Math.max(i + 3, end - 3)), line, out);
        line += count(source, i, end);
        code.append(" \"\" ").append("\n".repeat(count(source, i, end)));
        i = end;
      } else if (c == '"' || c == '\'') {
        StringBuilder literal = new StringBuilder();
        int j = i + 1;
        while (j < n && source.charAt(j) != c && source.charAt(j) != '\n') {
          if (source.charAt(j) == '\\' && j + 1 < n) {
            literal.append(source.charAt(j + 1));
            j += 2;
          } else {
            literal.append(source.charAt(j++));
          }
        }
        if (c == '"') {
          check(literal.toString(), line, out);
        }
        i = Math.min(n, j + 1);
        code.append(" \"\" ");
      } else {
        if (c == '\n') {
          line++;
        }
        code.append(c);
        i++;
      }
    }
    Matcher m = RESOURCE_CODE.matcher(code);
    while (m.find()) {
      int at = 1 + count(code.toString(), 0, m.start());
      out.add("line " + at + ": code names a resource (" + m.group() + ")");
    }
    return out;
  }

  private static void check(String literal, int line, List<String> out) {
    for (String word : literal.toLowerCase(Locale.ROOT).split("[^a-z0-9_.]+")) {
      String bare = word.replaceAll("\\.+$", "");
      boolean resource = RESOURCES.contains(bare);
      boolean controlFile = CONTROL_FILE_PREFIXES.stream().anyMatch(p -> word.startsWith(p));
      if (resource || controlFile) {
        out.add("line " + line + ": \"" + literal + "\" names " + (controlFile ? "a control file" : "a resource")
            + " (" + word + ")");
      }
    }
  }

  private static int count(String s, int from, int to) {
    int lines = 0;
    for (int k = from; k < to; k++) {
      if (s.charAt(k) == '\n') {
        lines++;
      }
    }
    return lines;
  }
}
