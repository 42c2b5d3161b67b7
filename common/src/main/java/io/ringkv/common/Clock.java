package io.ringkv.common;

/**
 * The only source of time for RingKV logic. Production code uses {@link #system()}; tests and
 * the simulator inject a {@link ManualClock} so that expiry and timeouts move only when told.
 */
public interface Clock {
    /** Wall-clock time in Unix milliseconds (used for TTL deadlines and version timestamps). */
    long currentTimeMillis();

    /** Wall-clock time in Unix microseconds (Redis's TIME). Defaults to millisecond precision. */
    default long currentTimeMicros() {
        return currentTimeMillis() * 1000;
    }

    /** Monotonic time in nanoseconds, for measuring durations only. */
    long nanoTime();

    static Clock system() {
        return SystemClock.INSTANCE;
    }
}
