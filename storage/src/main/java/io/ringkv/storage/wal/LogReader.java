package io.ringkv.storage.wal;

import io.ringkv.storage.fs.ReadableFile;
import java.util.function.Consumer;

/**
 * Reads the records written by {@link LogWriter} in order and stops at the first record that
 * is incomplete or fails its checksum. What follows that point is the "bad tail"; the caller
 * decides whether that is a torn write to truncate (WAL) or corruption (manifest).
 */
public final class LogReader {
    /** How a read ended. {@code tornTail}: the bad record ran past the end of the file. */
    public record Result(long records, long validBytes, long fileBytes, String problem, boolean tornTail) {
        public long droppedBytes() {
            return fileBytes - validBytes;
        }

        public boolean clean() {
            return problem == null;
        }
    }

    private LogReader() {}

    public static Result read(ReadableFile file, Consumer<byte[]> consumer) {
        long size = file.size();
        long pos = 0;
        long records = 0;
        byte[] header = new byte[LogWriter.HEADER_BYTES];
        while (pos < size) {
            if (size - pos < LogWriter.HEADER_BYTES) {
                return new Result(records, pos, size, "incomplete record header at " + pos, true);
            }
            file.readFully(pos, header, 0, header.length);
            int len = getInt(header, 0);
            int crc = getInt(header, 4);
            if (len < 0 || len > LogWriter.MAX_RECORD_BYTES) {
                return new Result(records, pos, size, "bad record length " + len + " at " + pos, false);
            }
            if (size - pos - LogWriter.HEADER_BYTES < len) {
                return new Result(records, pos, size, "record at " + pos + " of " + len + " bytes runs past end", true);
            }
            byte[] rec = new byte[LogWriter.HEADER_BYTES + len];
            System.arraycopy(header, 0, rec, 0, LogWriter.HEADER_BYTES);
            file.readFully(pos + LogWriter.HEADER_BYTES, rec, LogWriter.HEADER_BYTES, len);
            if (LogWriter.crcOf(rec, len) != crc) {
                return new Result(records, pos, size, "checksum mismatch in record at " + pos, false);
            }
            byte[] payload = new byte[len];
            System.arraycopy(rec, LogWriter.HEADER_BYTES, payload, 0, len);
            consumer.accept(payload);
            records++;
            pos += LogWriter.HEADER_BYTES + len;
        }
        return new Result(records, pos, size, null, false);
    }

    static int getInt(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }
}
