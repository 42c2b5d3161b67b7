package io.ringkv.resp.protocol;

/**
 * The protocol bounds of Redis 7, with Redis's defaults. {@code protoMaxBulkLenBytes} is the
 * configurable {@code proto-max-bulk-len}; the others are Redis's compiled-in limits.
 */
public record RequestLimits(long protoMaxBulkLenBytes, long clientQueryBufferLimitBytes) {
    /** Redis's PROTO_INLINE_MAX_SIZE: the longest inline request or length line. */
    public static final int INLINE_MAX_BYTES = 64 * 1024;
    /** Redis's limit on the declared element count of a multibulk request (INT_MAX). */
    public static final long MULTIBULK_MAX_COUNT = Integer.MAX_VALUE;
    /** Elements a client that has not authenticated may declare. */
    public static final long UNAUTHENTICATED_MULTIBULK_MAX = 10;
    /** Bulk length a client that has not authenticated may declare. */
    public static final long UNAUTHENTICATED_BULK_MAX_BYTES = 16384;
    /** Argument slots allocated up front, whatever count a client declares. */
    public static final int PREALLOCATED_ARGS_MAX = 1024;

    public static RequestLimits defaults() {
        return new RequestLimits(512L * 1024 * 1024, 1024L * 1024 * 1024);
    }
}
