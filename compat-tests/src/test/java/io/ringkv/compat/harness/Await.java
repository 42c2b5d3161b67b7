package io.ringkv.compat.harness;

import java.time.Duration;

/**
 * Polling with a deadline, for conditions that become true through other processes (a peer
 * seen down, a replica repaired): checks often, fails with what it was waiting for and the last
 * value or error seen, and never waits longer than the deadline.
 */
public final class Await {
    /** Time between checks: short enough not to slow tests, long enough not to load the servers. */
    private static final long POLL_MILLIS = 25;

    private Await() {}

    /** A condition; an exception counts as "not yet" and is reported if the deadline passes. */
    @FunctionalInterface
    public interface Check {
        boolean ok() throws Exception;
    }

    /** Something observed; the wait ends when it satisfies the test. */
    @FunctionalInterface
    public interface Probe<T> {
        T get() throws Exception;
    }

    /** Waits until {@code check} is true; throws AssertionError naming {@code what} at the deadline. */
    public static void until(Duration timeout, String what, Check check) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                AssertionError err = new AssertionError("not true within " + timeout.toMillis() + " ms: " + what
                        + (last == null ? "" : " (last error: " + last + ")"));
                if (last != null) {
                    err.initCause(last);
                }
                throw err;
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** Waits until {@code probe} yields a value satisfying {@code accept}; returns that value. */
    public static <T> T value(Duration timeout, String what, Probe<T> probe, java.util.function.Predicate<T> accept)
            throws InterruptedException {
        Object[] seen = {null};
        try {
            until(timeout, what, () -> {
                T v = probe.get();
                seen[0] = v;
                return accept.test(v);
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last value: " + seen[0], e.getCause());
        }
        @SuppressWarnings("unchecked")
        T v = (T) seen[0];
        return v;
    }
}
