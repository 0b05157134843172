package org.lmctfy.controller.memory;

import org.lmctfy.api.proto.MemoryStats;
import org.lmctfy.spi.cgroup.KeyValues;

/** cgroup v1 memory.stat keys, which are lmctfy's MemoryData field names ({@code total_} = hierarchical). */
final class V1Data {
  private V1Data() {}

  static MemoryStats.MemoryData from(KeyValues s, String p) {
    return MemoryStats.MemoryData.newBuilder()
        .setCache(s.get(p + "cache")).setRss(s.get(p + "rss")).setRssHuge(s.get(p + "rss_huge"))
        .setMappedFile(s.get(p + "mapped_file")).setPgpgin(s.get(p + "pgpgin")).setPgpgout(s.get(p + "pgpgout"))
        .setPgfault(s.get(p + "pgfault")).setPgmajfault(s.get(p + "pgmajfault")).setDirty(s.get(p + "dirty"))
        .setWriteback(s.get(p + "writeback")).setInactiveAnon(s.get(p + "inactive_anon"))
        .setActiveAnon(s.get(p + "active_anon")).setInactiveFile(s.get(p + "inactive_file"))
        .setActiveFile(s.get(p + "active_file")).setUnevictable(s.get(p + "unevictable"))
        .build();
  }
}
