package io.ringkv.storage.wal;

import io.ringkv.storage.CorruptionException;
import io.ringkv.storage.WriteBatch;
import io.ringkv.common.ByteSink;
import io.ringkv.storage.fs.ByteSource;
import java.util.List;

/**
 * The payload of one WAL record: the first sequence number and the operations of one or more
 * batches committed together by group commit ({@code [seq u64][count u32]([type u8][key][value])*}).
 * A record is the unit of atomicity: recovery applies all of it or none.
 */
public final class WalRecord {
    public static final int TYPE_DELETE = 0;
    public static final int TYPE_PUT = 1;

    /** Receives each operation of a record during replay. */
    public interface OpVisitor {
        void op(long sequence, int type, byte[] key, byte[] value);
    }

    private WalRecord() {}

    public static byte[] encode(long firstSequence, List<WriteBatch> batches, int opCount, long bytesHint) {
        ByteSink out = new ByteSink((int) Math.min(Integer.MAX_VALUE - 64, bytesHint + 16 + opCount * 4L));
        out.writeLong(firstSequence).writeInt(opCount);
        for (WriteBatch b : batches) {
            for (WriteBatch.Op op : b.ops()) {
                if (op.isDelete()) {
                    out.writeByte(TYPE_DELETE).writeLengthPrefixed(op.key());
                } else {
                    out.writeByte(TYPE_PUT).writeLengthPrefixed(op.key()).writeLengthPrefixed(op.value());
                }
            }
        }
        return out.toByteArray();
    }

    /** Decodes and visits every operation; returns the last sequence number used. */
    public static long decode(byte[] payload, OpVisitor visitor) {
        ByteSource in = new ByteSource(payload);
        long seq = in.readLong();
        int count = in.readInt();
        if (count < 0) {
            throw new CorruptionException("negative op count in WAL record");
        }
        for (int i = 0; i < count; i++) {
            int type = in.readByte();
            byte[] key = in.readLengthPrefixed();
            byte[] value = null;
            if (type == TYPE_PUT) {
                value = in.readLengthPrefixed();
            } else if (type != TYPE_DELETE) {
                throw new CorruptionException("unknown WAL op type " + type);
            }
            visitor.op(seq + i, type, key, value);
        }
        if (in.hasRemaining()) {
            throw new CorruptionException("trailing bytes in WAL record");
        }
        return seq + count - 1;
    }
}
