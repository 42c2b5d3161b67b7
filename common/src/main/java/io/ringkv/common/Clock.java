package io.ringkv.common;

/**
 * The only source of time for RingKV logic. Production code uses {@link #system()}; tests and
 * the simulator inject a {@link ManualClock} so that expiry and timeouts move only when told.
 */
public interface Clock {
    /** Wall-clock time in Unix milliseconds (used for TTL deadlines and version timestamps). */
    long currentTimeMillis();

    /** Monotonic time in nanoseconds, for measuring durations only. */
    long nanoTime();

    static Clock system() {
        return SystemClock.INSTANCE;
    }
}
