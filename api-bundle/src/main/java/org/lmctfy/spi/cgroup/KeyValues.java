package org.lmctfy.spi.cgroup;

import java.util.HashMap;
import java.util.Map;

/** A "key value" per line file such as cpu.stat or memory.stat; absent keys read as 0. */
public final class KeyValues {
  private final Map<String, Long> values = new HashMap<>();

  public static KeyValues parse(String text) {
    KeyValues kv = new KeyValues();
    for (String line : text.split("\n")) {
      int sp = line.indexOf(' ');
      if (sp > 0) {
        try {
          kv.values.put(line.substring(0, sp), Long.parseLong(line.substring(sp + 1).trim()));
        } catch (NumberFormatException e) {
          // not a number (e.g. a nested table): not ours to read
        }
      }
    }
    return kv;
  }

  public long get(String key) {
    return values.getOrDefault(key, 0L);
  }

  public boolean has(String key) {
    return values.containsKey(key);
  }

  public Map<String, Long> asMap() {
    return java.util.Collections.unmodifiableMap(values);
  }
}
