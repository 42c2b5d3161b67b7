package io.ringkv.common;

/**
 * Runs tasks after a delay. Injected into timeout and periodic logic so that the same code
 * runs on real threads in production and on the simulator's virtual time in tests.
 */
public interface Scheduler {
    /** Runs {@code task} once, about {@code delayMillis} from now. */
    Cancellable schedule(long delayMillis, Runnable task);

    /** A scheduled task that can be called off; cancelling after it ran is a no-op. */
    interface Cancellable {
        void cancel();
    }
}
