package io.ringkv.storage.sstable;

import io.ringkv.storage.CorruptionException;
import io.ringkv.storage.key.InternalIterator;
import java.util.Arrays;
import java.util.Comparator;

/** An immutable decoded-format block (see {@link BlockBuilder}), searchable through its restart points. */
public final class Block {
    private final byte[] data;
    private final int restartsOffset;
    private final int restartCount;

    public Block(byte[] data) {
        this.data = data;
        if (data.length < 4) {
            throw new CorruptionException("block too short: " + data.length);
        }
        restartCount = getInt(data.length - 4);
        if (restartCount < 1 || (long) restartCount * 4 + 4 > data.length) {
            throw new CorruptionException("bad restart count " + restartCount + " in block of " + data.length + " bytes");
        }
        restartsOffset = data.length - 4 - restartCount * 4;
    }

    public int sizeBytes() {
        return data.length;
    }

    private int getInt(int off) {
        return ((data[off] & 0xFF) << 24) | ((data[off + 1] & 0xFF) << 16) | ((data[off + 2] & 0xFF) << 8)
                | (data[off + 3] & 0xFF);
    }

    private int restart(int i) {
        int r = getInt(restartsOffset + i * 4);
        if (r < 0 || r >= restartsOffset && !(r == 0 && restartsOffset == 0)) {
            throw new CorruptionException("bad restart offset " + r);
        }
        return r;
    }

    public InternalIterator iterator(Comparator<byte[]> comparator) {
        return new Iter(comparator);
    }

    private final class Iter implements InternalIterator {
        private final Comparator<byte[]> comparator;
        private int nextOffset;
        private byte[] key;
        private byte[] value;
        private boolean valid;

        Iter(Comparator<byte[]> comparator) {
            this.comparator = comparator;
            seekToFirst();
        }

        private long readVar() {
            long v = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                if (nextOffset >= restartsOffset) {
                    throw new CorruptionException("varint runs past block entries");
                }
                int b = data[nextOffset++] & 0xFF;
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new CorruptionException("bad varint in block");
        }

        /** Decodes the entry at nextOffset given the previous key; false at the end. */
        private boolean parseNext(byte[] prevKey) {
            if (nextOffset >= restartsOffset) {
                valid = false;
                return false;
            }
            long shared = readVar();
            long unshared = readVar();
            long valueLen = readVar();
            if (shared > (prevKey == null ? 0 : prevKey.length) || nextOffset + unshared + valueLen > restartsOffset) {
                throw new CorruptionException("bad block entry at " + nextOffset);
            }
            byte[] k = new byte[(int) (shared + unshared)];
            if (shared > 0) {
                System.arraycopy(prevKey, 0, k, 0, (int) shared);
            }
            System.arraycopy(data, nextOffset, k, (int) shared, (int) unshared);
            nextOffset += (int) unshared;
            value = Arrays.copyOfRange(data, nextOffset, nextOffset + (int) valueLen);
            nextOffset += (int) valueLen;
            key = k;
            valid = true;
            return true;
        }

        @Override
        public boolean valid() {
            return valid;
        }

        @Override
        public byte[] key() {
            return key;
        }

        @Override
        public byte[] value() {
            return value;
        }

        @Override
        public void next() {
            parseNext(key);
        }

        @Override
        public void seekToFirst() {
            nextOffset = 0;
            key = null;
            parseNext(null);
        }

        @Override
        public void seek(byte[] target) {
            // Binary search for the last restart whose key is < target, then scan forward.
            int lo = 0;
            int hi = restartCount - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                nextOffset = restart(mid);
                parseNext(null);
                if (comparator.compare(key, target) < 0) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            nextOffset = restart(lo);
            key = null;
            while (parseNext(key)) {
                if (comparator.compare(key, target) >= 0) {
                    return;
                }
            }
        }
    }
}
