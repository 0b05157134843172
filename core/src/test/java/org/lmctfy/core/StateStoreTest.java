package org.lmctfy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.proto.ContainerRecord;

class StateStoreTest {
  @TempDir Path state;

  @Test
  void aCachedRecordIsReadAgainWhenReplacedAndIsGoneWhenItsFileIs() throws Exception {
    StateStore store = new StateStore(state, "/lmctfy-test-x");
    ContainerName n = ContainerName.of("/a");
    assertThat(store.read(n)).isEmpty();
    store.write(n, ContainerRecord.newBuilder().setName("/a").setOwnerUid(1).build());
    assertThat(store.read(n).orElseThrow().getOwnerUid()).isEqualTo(1);
    assertThat(store.read(n).orElseThrow().getOwnerUid()).isEqualTo(1); // from the cache
    // Another process replaces it (rename: a new inode), then removes it: neither is answered from the cache.
    new StateStore(state, "/lmctfy-test-x").write(n, ContainerRecord.newBuilder().setName("/a").setOwnerUid(22).build());
    assertThat(store.read(n).orElseThrow().getOwnerUid()).isEqualTo(22);
    try (var files = Files.list(state.resolve("records/lmctfy-test-x"))) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    assertThat(store.read(n)).isEmpty();
    assertThat(store.read(n)).isEmpty();
  }
}
