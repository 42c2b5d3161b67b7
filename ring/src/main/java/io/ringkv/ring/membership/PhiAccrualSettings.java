package io.ringkv.ring.membership;

/**
 * Tuning of the {@link PhiAccrualFailureDetector}.
 *
 * @param threshold phi at or above which a node is judged down. phi = -log10(P(a heartbeat is
 *     still coming)); 8 means "wrong about once in 10^8 judgements" if intervals were normal.
 * @param sampleWindowSize intervals remembered per node (older ones fall out): the memory bound
 *     and how fast the detector adapts to a new rhythm
 * @param minStdDevMillis floor of the standard deviation, so very regular heartbeats do not
 *     make the detector convict a node after a few milliseconds of delay
 * @param acceptableHeartbeatPauseMillis added to the mean interval: a pause this long (a GC
 *     pause, a gossip message lost, a slow third-party relay) does not raise phi by itself
 * @param firstHeartbeatEstimateMillis the interval assumed before any interval was measured
 *     (the detector starts from two samples at this mean +- a quarter of it, as Akka does)
 */
public record PhiAccrualSettings(double threshold, int sampleWindowSize, long minStdDevMillis,
        long acceptableHeartbeatPauseMillis, long firstHeartbeatEstimateMillis) {

    /** Cassandra's and Akka's default conviction threshold. */
    public static final double THRESHOLD_DEFAULT = 8.0;
    /** Cassandra and Akka both keep 1000 intervals. */
    public static final int SAMPLE_WINDOW_SIZE_DEFAULT = 1000;
    /** Upper bound of the window (memory: 8 bytes per interval per known node). */
    public static final int SAMPLE_WINDOW_SIZE_MAX = 10_000;
    /**
     * Gossip heartbeats reach a node through random peers, so arrival intervals vary by a round
     * or two even in a healthy cluster; 500 ms keeps a one-round hiccup far from conviction.
     */
    public static final long MIN_STD_DEV_MILLIS_DEFAULT = 500;
    /**
     * Akka cluster's 3 s: with 1 s gossip rounds a dead node is convicted about 5-6 s after its
     * last heartbeat; a few lost messages or a GC pause do not convict a live one.
     */
    public static final long ACCEPTABLE_HEARTBEAT_PAUSE_MILLIS_DEFAULT = 3000;
    /** One gossip interval. */
    public static final long FIRST_HEARTBEAT_ESTIMATE_MILLIS_DEFAULT = 1000;

    public PhiAccrualSettings {
        if (!(threshold > 0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("threshold must be positive and finite: " + threshold);
        }
        if (sampleWindowSize < 2 || sampleWindowSize > SAMPLE_WINDOW_SIZE_MAX) {
            throw new IllegalArgumentException("sampleWindowSize must be 2.." + SAMPLE_WINDOW_SIZE_MAX + ": " + sampleWindowSize);
        }
        if (minStdDevMillis < 1) {
            throw new IllegalArgumentException("minStdDevMillis must be positive: " + minStdDevMillis);
        }
        if (acceptableHeartbeatPauseMillis < 0) {
            throw new IllegalArgumentException("acceptableHeartbeatPauseMillis must not be negative: " + acceptableHeartbeatPauseMillis);
        }
        if (firstHeartbeatEstimateMillis < 1) {
            throw new IllegalArgumentException("firstHeartbeatEstimateMillis must be positive: " + firstHeartbeatEstimateMillis);
        }
    }

    public static PhiAccrualSettings defaults() {
        return new PhiAccrualSettings(THRESHOLD_DEFAULT, SAMPLE_WINDOW_SIZE_DEFAULT, MIN_STD_DEV_MILLIS_DEFAULT,
                ACCEPTABLE_HEARTBEAT_PAUSE_MILLIS_DEFAULT, FIRST_HEARTBEAT_ESTIMATE_MILLIS_DEFAULT);
    }
}
