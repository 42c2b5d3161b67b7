package io.ringkv.resp.protocol;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * Incremental parser of client requests, in Redis's two forms: multibulk ({@code *N\r\n$L\r\n...})
 * and inline (a line of space-separated, optionally quoted words). A plain class with no
 * channel: {@link #parse} consumes what it can from the buffer and returns a request, or null
 * when it needs more bytes ("need more" is a return value, not an exception). State survives
 * between calls, so a request arriving one byte at a time is never rescanned from its start.
 *
 * <p>Every length is checked against Redis's limits before anything is allocated; a declared
 * element count is never preallocated beyond {@link RequestLimits#PREALLOCATED_ARGS_MAX}, and a
 * large bulk is copied as it arrives into a buffer that grows with the bytes actually received.
 * After a {@link ProtocolException} the parser must not be used again (the connection closes).
 */
public final class RespRequestParser {
    private static final int BIG_BULK_CHUNK_BYTES = 1024 * 1024;

    /** Read on every header, so CONFIG SET of a limit applies to connected clients too. */
    private final java.util.function.Supplier<RequestLimits> limitsSource;
    private RequestLimits limits;

    /** Elements still expected in the current multibulk; 0 when between requests. */
    private long pendingElements;
    /** Declared length of the bulk being read, or -1 when expecting a bulk header. */
    private long bulkLength = -1;
    private byte[] bulk;
    private int bulkFilled;
    private List<byte[]> args;
    private long requestBytes;

    public RespRequestParser(java.util.function.Supplier<RequestLimits> limits) {
        this.limitsSource = limits;
    }

    /**
     * Parses the next complete request from {@code in}, or returns null after consuming what
     * could be consumed. Empty requests ({@code *0}, blank inline lines) are skipped silently.
     *
     * @param authenticated false applies Redis's tighter limits for unauthenticated clients
     */
    public Request parse(ByteBuf in, boolean authenticated) throws ProtocolException {
        limits = limitsSource.get();
        while (true) {
            if (pendingElements == 0) {
                if (!in.isReadable()) {
                    return null;
                }
                if (in.getByte(in.readerIndex()) == '*') {
                    int r = startMultibulk(in, authenticated);
                    if (r < 0) {
                        return null; // need more
                    }
                    if (r == 0) {
                        continue; // empty multibulk, skipped as Redis does
                    }
                } else {
                    List<byte[]> inline = parseInline(in);
                    if (inline == null) {
                        return null;
                    }
                    if (inline.isEmpty()) {
                        continue;
                    }
                    return new Request(inline);
                }
            }
            // Inside a multibulk: read bulk headers and bodies until the request completes.
            while (pendingElements > 0) {
                if (bulkLength < 0) {
                    if (!readBulkHeader(in, authenticated)) {
                        return null;
                    }
                }
                if (!readBulkBody(in)) {
                    return null;
                }
            }
            List<byte[]> done = args;
            args = null;
            requestBytes = 0;
            return new Request(done);
        }
    }

    /** Returns -1 if more bytes are needed, 0 for an empty request, 1 when elements follow. */
    private int startMultibulk(ByteBuf in, boolean authenticated) throws ProtocolException {
        int cr = indexOfCr(in);
        if (cr < 0) {
            if (in.readableBytes() > RequestLimits.INLINE_MAX_BYTES) {
                throw new ProtocolException("ERR Protocol error: too big mbulk count string", true);
            }
            return -1;
        }
        if (cr + 1 >= in.writerIndex()) {
            return -1; // wait for the \n
        }
        long n = parseLong(in, in.readerIndex() + 1, cr);
        if (n == Long.MIN_VALUE || n > RequestLimits.MULTIBULK_MAX_COUNT) {
            throw new ProtocolException("ERR Protocol error: invalid multibulk length", true);
        }
        if (!authenticated && n > RequestLimits.UNAUTHENTICATED_MULTIBULK_MAX) {
            throw new ProtocolException("ERR Protocol error: unauthenticated multibulk length", true);
        }
        in.readerIndex(cr + 2);
        if (n <= 0) {
            return 0;
        }
        pendingElements = n;
        args = new ArrayList<>((int) Math.min(n, RequestLimits.PREALLOCATED_ARGS_MAX));
        bulkLength = -1;
        return 1;
    }

    private boolean readBulkHeader(ByteBuf in, boolean authenticated) throws ProtocolException {
        int cr = indexOfCr(in);
        if (cr < 0) {
            if (in.readableBytes() > RequestLimits.INLINE_MAX_BYTES) {
                throw new ProtocolException("ERR Protocol error: too big bulk count string", true);
            }
            return false;
        }
        if (cr + 1 >= in.writerIndex()) {
            return false; // Redis judges the line only once its \n has arrived too
        }
        byte first = in.getByte(in.readerIndex());
        if (first != '$') {
            // The offending byte is quoted raw (ISO-8859-1 maps it 1:1 back to the wire).
            throw new ProtocolException("ERR Protocol error: expected '$', got '" + (char) (first & 0xFF) + "'", true);
        }
        long len = parseLong(in, in.readerIndex() + 1, cr);
        if (len == Long.MIN_VALUE || len < 0 || len > limits.protoMaxBulkLenBytes()) {
            throw new ProtocolException("ERR Protocol error: invalid bulk length", true);
        }
        if (!authenticated && len > RequestLimits.UNAUTHENTICATED_BULK_MAX_BYTES) {
            throw new ProtocolException("ERR Protocol error: unauthenticated bulk length", true);
        }
        requestBytes += len;
        if (requestBytes > limits.clientQueryBufferLimitBytes()) {
            throw new ProtocolException("query buffer limit reached", false);
        }
        in.readerIndex(cr + 2);
        bulkLength = len;
        bulk = new byte[(int) Math.min(len, BIG_BULK_CHUNK_BYTES)];
        bulkFilled = 0;
        return true;
    }

    private boolean readBulkBody(ByteBuf in) {
        long remaining = bulkLength - bulkFilled;
        if (remaining > 0) {
            int n = (int) Math.min(remaining, in.readableBytes());
            if (bulkFilled + n > bulk.length) {
                // Grow only with bytes that actually arrived: a declared 512 MiB bulk costs
                // nothing until the client sends it.
                long target = Math.min(bulkLength, Math.max((long) bulk.length * 2, bulkFilled + (long) n));
                byte[] grown = new byte[(int) target];
                System.arraycopy(bulk, 0, grown, 0, bulkFilled);
                bulk = grown;
            }
            in.readBytes(bulk, bulkFilled, n);
            bulkFilled += n;
            if (bulkFilled < bulkLength) {
                return false;
            }
        }
        // Redis skips the two bytes after the payload without checking them.
        if (in.readableBytes() < 2) {
            return false;
        }
        in.skipBytes(2);
        args.add(bulk);
        bulk = null;
        bulkLength = -1;
        pendingElements--;
        return true;
    }

    private List<byte[]> parseInline(ByteBuf in) throws ProtocolException {
        int nl = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
        if (nl < 0) {
            if (in.readableBytes() > RequestLimits.INLINE_MAX_BYTES) {
                throw new ProtocolException("ERR Protocol error: too big inline request", true);
            }
            return null;
        }
        int end = nl;
        if (end > in.readerIndex() && in.getByte(end - 1) == '\r') {
            end--;
        }
        byte[] line = new byte[end - in.readerIndex()];
        in.getBytes(in.readerIndex(), line);
        in.readerIndex(nl + 1);
        List<byte[]> words = InlineSplitter.split(line);
        if (words == null) {
            throw new ProtocolException("ERR Protocol error: unbalanced quotes in request", true);
        }
        return words;
    }

    private static int indexOfCr(ByteBuf in) {
        return in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\r');
    }

    /**
     * Redis's string2ll on bytes [from, to): optional '-', no '+', no leading zeros, no
     * overflow. Returns Long.MIN_VALUE when invalid (a value no length can take).
     */
    static long parseLong(ByteBuf in, int from, int to) {
        int len = to - from;
        if (len <= 0 || len > 20) {
            return Long.MIN_VALUE;
        }
        int i = from;
        boolean negative = false;
        if (in.getByte(i) == '-') {
            negative = true;
            i++;
            if (i == to) {
                return Long.MIN_VALUE;
            }
        }
        byte first = in.getByte(i);
        if (first == '0') {
            return (len == 1) ? 0 : Long.MIN_VALUE;
        }
        long v = 0;
        for (; i < to; i++) {
            byte c = in.getByte(i);
            if (c < '0' || c > '9') {
                return Long.MIN_VALUE;
            }
            if (v > (Long.MAX_VALUE - (c - '0')) / 10) {
                return Long.MIN_VALUE;
            }
            v = v * 10 + (c - '0');
        }
        return negative ? -v : v;
    }

    /** Bytes held for a request still being received, for CLIENT LIST's qbuf. */
    public long pendingRequestBytes() {
        return requestBytes;
    }
}
