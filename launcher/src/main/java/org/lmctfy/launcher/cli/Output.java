package org.lmctfy.launcher.cli;

import java.io.PrintWriter;

/** lmctfy's output styles (reference §4.5): pairs {@code key="value"} (default), values, long. */
final class Output {
  enum Style { PAIRS, VALUES, LONG, JSON }

  private final PrintWriter out;
  private final Style style;

  Output(PrintWriter out, Style style) {
    this.out = out;
    this.style = style;
  }

  void add(String key, Object value) {
    String v = String.valueOf(value);
    switch (style) {
      case VALUES:
        out.println(v);
        break;
      case LONG:
        out.printf("%-20s | %s%n%n", key, v);
        break;
      case JSON:
        // One JSON object per line (JSON Lines), so listings and followed events stream.
        out.println("{" + quote(key) + ":" + (value instanceof Number ? v : quote(v)) + "}");
        break;
      default:
        out.println(key + "=\"" + escape(v) + "\"");
    }
    out.flush();
  }

  /** A JSON string literal. */
  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  /** C-style escaping of a value inside double quotes. */
  static String escape(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"': b.append("\\\""); break;
        case '\\': b.append("\\\\"); break;
        case '\n': b.append("\\n"); break;
        case '\t': b.append("\\t"); break;
        default:
          if (c < 0x20) {
            b.append(String.format("\\%03o", (int) c));
          } else {
            b.append(c);
          }
      }
    }
    return b.toString();
  }
}
