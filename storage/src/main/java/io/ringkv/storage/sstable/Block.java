package io.ringkv.storage.sstable;

import io.ringkv.storage.CorruptionException;
import io.ringkv.storage.key.InternalIterator;
import io.ringkv.storage.key.InternalKey;
import java.util.Arrays;

/**
 * An immutable decoded-format block (see {@link BlockBuilder}) of internal keys, searchable
 * through its restart points. Iterators compare keys in place and copy a key or value out only
 * when asked for it, so a seek allocates almost nothing.
 */
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
        if (r < 0 || (r >= restartsOffset && r != 0)) {
            throw new CorruptionException("bad restart offset " + r);
        }
        return r;
    }

    public InternalIterator iterator() {
        return new Iter();
    }

    private final class Iter implements InternalIterator {
        private int nextOffset;
        private byte[] keyBuf = new byte[64];
        private int keyLen;
        private int valueOffset;
        private int valueLen;
        private boolean valid;
        private byte[] keyCopy;

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

        /** Decodes the entry at nextOffset on top of the current key; false at the end. */
        private boolean parseNext() {
            keyCopy = null;
            if (nextOffset >= restartsOffset) {
                valid = false;
                return false;
            }
            long shared = readVar();
            long unshared = readVar();
            long vlen = readVar();
            if (shared > keyLen || nextOffset + unshared + vlen > restartsOffset) {
                throw new CorruptionException("bad block entry at " + nextOffset);
            }
            int newLen = (int) (shared + unshared);
            if (newLen > keyBuf.length) {
                keyBuf = Arrays.copyOf(keyBuf, Math.max(newLen, keyBuf.length * 2));
            }
            System.arraycopy(data, nextOffset, keyBuf, (int) shared, (int) unshared);
            keyLen = newLen;
            nextOffset += (int) unshared;
            valueOffset = nextOffset;
            valueLen = (int) vlen;
            nextOffset += (int) vlen;
            valid = true;
            return true;
        }

        @Override
        public boolean valid() {
            return valid;
        }

        @Override
        public byte[] key() {
            if (keyCopy == null) {
                keyCopy = Arrays.copyOf(keyBuf, keyLen);
            }
            return keyCopy;
        }

        @Override
        public byte[] value() {
            return Arrays.copyOfRange(data, valueOffset, valueOffset + valueLen);
        }

        @Override
        public void next() {
            parseNext();
        }

        @Override
        public void seekToFirst() {
            nextOffset = 0;
            keyLen = 0;
            parseNext();
        }

        @Override
        public void seek(byte[] target) {
            // Binary search for the last restart whose key is < target (restart keys are stored
            // whole, so they are compared in place), then scan forward.
            int lo = 0;
            int hi = restartCount - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                nextOffset = restart(mid);
                readVar(); // shared, 0 at a restart
                int unshared = (int) readVar();
                readVar();
                if (unshared < InternalKey.TRAILER_BYTES || nextOffset + unshared > restartsOffset) {
                    throw new CorruptionException("bad restart entry at " + nextOffset);
                }
                if (InternalKey.compare(data, nextOffset, unshared, target) < 0) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            nextOffset = restart(lo);
            keyLen = 0;
            while (parseNext()) {
                if (InternalKey.compare(keyBuf, 0, keyLen, target) >= 0) {
                    return;
                }
            }
        }
    }
}
