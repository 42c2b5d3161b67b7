package io.ringkv.storage.sstable;

/** How tables are built: block size, bloom bits per key, LZ4 block compression. */
public record TableOptions(int blockBytes, int bloomBitsPerKey, boolean compression) {}
