package io.ringkv.ring.streaming;

/**
 * Bounds and pacing of partition streaming (join, leave, remove, replace) and of the cleanup
 * of partitions a node no longer replicates.
 *
 * @param streamBytesPerSecond data pulled per second by this node, over all partitions
 *     (a token bucket; Cassandra's {@code stream_throughput_outbound} plays the same role)
 * @param streamPartitionsInFlight partitions streamed at once
 * @param streamPageBytesMax bytes asked for per page (a source also caps what it serves at its own value)
 * @param streamPageKeysMax keys per page, on both sides
 * @param streamRequestTimeoutMillis how long a page request may take before the source counts as failed
 * @param streamRetryBackoffMillis wait after a source failure, doubled per consecutive failure
 * @param streamRetryBackoffMaxMillis upper bound of that wait
 * @param cleanupKeysPerSecond keys deleted per second when dropping partitions moved away
 */
public record StreamSettings(
        long streamBytesPerSecond,
        int streamPartitionsInFlight,
        int streamPageBytesMax,
        int streamPageKeysMax,
        long streamRequestTimeoutMillis,
        long streamRetryBackoffMillis,
        long streamRetryBackoffMaxMillis,
        long cleanupKeysPerSecond) {
    public static final long STREAM_BYTES_PER_SECOND_DEFAULT = 32L * 1024 * 1024;
    public static final int STREAM_PARTITIONS_IN_FLIGHT_DEFAULT = 2;
    /** Well under the transport's frame limit (64 MiB), small enough to keep memory per page low. */
    public static final int STREAM_PAGE_BYTES_MAX_DEFAULT = 1024 * 1024;
    public static final int STREAM_PAGE_KEYS_MAX_DEFAULT = 10_000;
    public static final long STREAM_REQUEST_TIMEOUT_MILLIS_DEFAULT = 10_000;
    public static final long STREAM_RETRY_BACKOFF_MILLIS_DEFAULT = 500;
    public static final long STREAM_RETRY_BACKOFF_MAX_MILLIS_DEFAULT = 30_000;
    public static final long CLEANUP_KEYS_PER_SECOND_DEFAULT = 50_000;

    public StreamSettings {
        if (streamBytesPerSecond < 1 || streamPartitionsInFlight < 1 || streamPageBytesMax < 1 || streamPageKeysMax < 1
                || streamRequestTimeoutMillis < 1 || streamRetryBackoffMillis < 1
                || streamRetryBackoffMaxMillis < streamRetryBackoffMillis || cleanupKeysPerSecond < 1) {
            throw new IllegalArgumentException("invalid stream settings: " + streamBytesPerSecond + " B/s, "
                    + streamPartitionsInFlight + " in flight, pages " + streamPageBytesMax + " B / " + streamPageKeysMax
                    + " keys, timeout " + streamRequestTimeoutMillis + " ms, backoff " + streamRetryBackoffMillis + ".."
                    + streamRetryBackoffMaxMillis + " ms, cleanup " + cleanupKeysPerSecond + " keys/s");
        }
    }

    public static StreamSettings defaults() {
        return new StreamSettings(STREAM_BYTES_PER_SECOND_DEFAULT, STREAM_PARTITIONS_IN_FLIGHT_DEFAULT, STREAM_PAGE_BYTES_MAX_DEFAULT,
                STREAM_PAGE_KEYS_MAX_DEFAULT, STREAM_REQUEST_TIMEOUT_MILLIS_DEFAULT, STREAM_RETRY_BACKOFF_MILLIS_DEFAULT,
                STREAM_RETRY_BACKOFF_MAX_MILLIS_DEFAULT, CLEANUP_KEYS_PER_SECOND_DEFAULT);
    }
}
