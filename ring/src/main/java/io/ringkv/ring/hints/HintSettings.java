package io.ringkv.ring.hints;

/**
 * The bounds and pacing of hinted handoff, each a named config value.
 *
 * @param hintWindowMillis how long a hint is kept, and how long a target may have been down
 *     and still receive new hints (Cassandra's {@code max_hint_window}); older hints are
 *     deleted and counted as expired, and a node down longer than this is left to repair
 * @param hintBytesPerTargetMax stored hint bytes (keys and values) allowed per target; over
 *     it, new hints for that target are dropped and counted, so a long outage never fills
 *     the disk or blocks writes
 * @param hintDeliveryIntervalMillis how often pending hints are looked at: expired ones
 *     deleted, and delivery started for every target believed up
 * @param hintDeliveryBytesPerSecond total delivery rate of this node, over all targets, so
 *     a returning node is not flooded while it also serves clients
 * @param hintDeliveryInFlightMax hints outstanding (sent, not yet acknowledged) per target
 * @param hintDeliveryTimeoutMillis how long one delivered hint may take to be acknowledged
 */
public record HintSettings(long hintWindowMillis, long hintBytesPerTargetMax, long hintDeliveryIntervalMillis,
        long hintDeliveryBytesPerSecond, int hintDeliveryInFlightMax, long hintDeliveryTimeoutMillis) {

    /** Cassandra's default max hint window: three hours. */
    public static final long DEFAULT_HINT_WINDOW_MILLIS = 3L * 60 * 60 * 1000;
    public static final long DEFAULT_HINT_BYTES_PER_TARGET_MAX = 256L << 20;
    public static final long DEFAULT_HINT_DELIVERY_INTERVAL_MILLIS = 10_000;
    /** Cassandra's default {@code hinted_handoff_throttle}: 1024 KiB/s. */
    public static final long DEFAULT_HINT_DELIVERY_BYTES_PER_SECOND = 1L << 20;
    public static final int DEFAULT_HINT_DELIVERY_IN_FLIGHT_MAX = 4;
    public static final long DEFAULT_HINT_DELIVERY_TIMEOUT_MILLIS = 10_000;

    public HintSettings {
        if (hintWindowMillis < 1 || hintBytesPerTargetMax < 1 || hintDeliveryIntervalMillis < 1 || hintDeliveryBytesPerSecond < 1
                || hintDeliveryInFlightMax < 1 || hintDeliveryTimeoutMillis < 1) {
            throw new IllegalArgumentException("invalid hint settings: every value must be positive");
        }
    }

    /** The defaults listed above. */
    public static HintSettings defaults() {
        return new HintSettings(DEFAULT_HINT_WINDOW_MILLIS, DEFAULT_HINT_BYTES_PER_TARGET_MAX, DEFAULT_HINT_DELIVERY_INTERVAL_MILLIS,
                DEFAULT_HINT_DELIVERY_BYTES_PER_SECOND, DEFAULT_HINT_DELIVERY_IN_FLIGHT_MAX, DEFAULT_HINT_DELIVERY_TIMEOUT_MILLIS);
    }
}
