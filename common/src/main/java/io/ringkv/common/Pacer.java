package io.ringkv.common;

/**
 * Keeps a flow of bytes (or any unit) at a rate: each charge pushes the moment the budget is
 * free again back by {@code units / rate}. Idle time banks no credit, so what goes out never
 * exceeds rate x elapsed plus the last charge. Monotonic time from the injected clock, so
 * pacing neither jumps with wall-clock changes nor needs real time in the simulator.
 * Thread-safe.
 */
public final class Pacer {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final Clock clock;
    private final long unitsPerSecond;
    /** Monotonic time before which the budget is spent. */
    private long freeAtNanos;

    public Pacer(Clock clock, long unitsPerSecond) {
        if (unitsPerSecond < 1) {
            throw new IllegalArgumentException("rate must be positive: " + unitsPerSecond);
        }
        this.clock = clock;
        this.unitsPerSecond = unitsPerSecond;
        this.freeAtNanos = clock.nanoTime();
    }

    /** Milliseconds until the budget is free again (rounded up); 0 when it is free now. */
    public synchronized long waitMillis() {
        return millisUntil(freeAtNanos, clock.nanoTime());
    }

    /** Spends {@code units}: later callers wait until they are paid for. */
    public synchronized void charge(long units) {
        long now = clock.nanoTime();
        freeAtNanos = Math.max(now, freeAtNanos) + nanosFor(units);
    }

    /**
     * Spends {@code units} ahead of sending them and returns how long to wait before they may
     * go (the time the budget already spent takes to pay off).
     */
    public synchronized long reserve(long units) {
        long now = clock.nanoTime();
        long start = Math.max(now, freeAtNanos);
        freeAtNanos = start + nanosFor(units);
        return millisUntil(start, now);
    }

    private long nanosFor(long units) {
        // Exact while units x 10^9 fits in a long (about 9 GB at once); beyond, a double is near enough.
        return units <= Long.MAX_VALUE / NANOS_PER_SECOND ? units * NANOS_PER_SECOND / unitsPerSecond
                : (long) ((double) units * NANOS_PER_SECOND / unitsPerSecond);
    }

    private static long millisUntil(long atNanos, long nowNanos) {
        long waitNanos = atNanos - nowNanos;
        return waitNanos <= 0 ? 0 : (waitNanos + NANOS_PER_MILLI - 1) / NANOS_PER_MILLI;
    }
}
