package io.ringkv.storage.memory;

import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.StorageEngineContractTest;
import java.nio.file.Path;

class MemoryEngineTest extends StorageEngineContractTest {
    @Override
    protected StorageEngine open(Path dir) {
        return new MemoryEngine();
    }

    @Override
    protected boolean durable() {
        return false;
    }
}
