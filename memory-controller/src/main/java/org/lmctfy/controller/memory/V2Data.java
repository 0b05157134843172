package org.lmctfy.controller.memory;

import org.lmctfy.api.proto.MemoryStats;
import org.lmctfy.spi.cgroup.KeyValues;

/** cgroup2 memory.stat keys mapped to lmctfy's MemoryData (cgroup-v2.rst, "memory.stat"). */
final class V2Data {
  private V2Data() {}

  static MemoryStats.MemoryData from(KeyValues s) {
    return MemoryStats.MemoryData.newBuilder()
        .setCache(s.get("file")).setRss(s.get("anon")).setRssHuge(s.get("anon_thp"))
        .setMappedFile(s.get("file_mapped")).setPgfault(s.get("pgfault")).setPgmajfault(s.get("pgmajfault"))
        .setDirty(s.get("file_dirty")).setWriteback(s.get("file_writeback"))
        .setInactiveAnon(s.get("inactive_anon")).setActiveAnon(s.get("active_anon"))
        .setInactiveFile(s.get("inactive_file")).setActiveFile(s.get("active_file"))
        .setUnevictable(s.get("unevictable"))
        .setThp(MemoryStats.MemoryData.THP.newBuilder().setFaultAlloc(s.get("thp_fault_alloc"))
            .setCollapseAlloc(s.get("thp_collapse_alloc")))
        .setKernel(MemoryStats.MemoryData.Kernel.newBuilder().setMemory(s.get("kernel"))
            .setSlabMemory(s.get("slab")).setStackMemory(s.get("kernel_stack"))
            .setPgtableMemory(s.get("pagetables")).setVmallocMemory(s.get("vmalloc")))
        .build();
  }
}
