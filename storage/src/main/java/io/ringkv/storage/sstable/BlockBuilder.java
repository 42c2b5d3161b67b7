package io.ringkv.storage.sstable;

import io.ringkv.common.ByteSink;
import java.util.Arrays;

/**
 * Builds a block of sorted entries with prefix-compressed keys. Every {@code restartInterval}
 * entries the full key is stored (a restart point) so a reader can binary-search restarts and
 * then scan. Entry: {@code shared varint, unshared varint, valueLength varint, keyDelta, value}.
 * Trailer: restart offsets (u32 each) then their count (u32).
 */
public final class BlockBuilder {
    private final int restartInterval;
    private final ByteSink out;
    private int[] restarts = new int[16];
    private int restartCount;
    private int counter;
    private byte[] lastKey = new byte[0];
    private int entries;

    public BlockBuilder(int restartInterval, int expectedBytes) {
        this.restartInterval = restartInterval;
        this.out = new ByteSink(expectedBytes + 1024);
        reset();
    }

    public void reset() {
        out.reset();
        restartCount = 0;
        addRestart(0);
        counter = 0;
        lastKey = new byte[0];
        entries = 0;
    }

    private void addRestart(int offset) {
        if (restartCount == restarts.length) {
            restarts = Arrays.copyOf(restarts, restarts.length * 2);
        }
        restarts[restartCount++] = offset;
    }

    public void add(byte[] key, byte[] value) {
        int shared = 0;
        if (counter < restartInterval) {
            int max = Math.min(lastKey.length, key.length);
            while (shared < max && lastKey[shared] == key[shared]) {
                shared++;
            }
        } else {
            addRestart(out.length());
            counter = 0;
        }
        out.writeVarLong(shared).writeVarLong(key.length - shared).writeVarLong(value.length);
        out.writeBytes(key, shared, key.length - shared).writeBytes(value);
        lastKey = key;
        counter++;
        entries++;
    }

    public boolean isEmpty() {
        return entries == 0;
    }

    public int currentSizeEstimate() {
        return out.length() + restartCount * 4 + 4;
    }

    public byte[] finish() {
        for (int i = 0; i < restartCount; i++) {
            out.writeInt(restarts[i]);
        }
        out.writeInt(restartCount);
        return out.toByteArray();
    }
}
