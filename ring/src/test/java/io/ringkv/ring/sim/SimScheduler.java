package io.ringkv.ring.sim;

import io.ringkv.common.ManualClock;
import io.ringkv.common.Scheduler;
import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;

/**
 * Virtual time for the simulator: a queue of tasks ordered by (due time, scheduling sequence)
 * and a {@link ManualClock} that moves only when the next task is taken, never on its own.
 *
 * <p>Everything in a simulated cluster (nodes, network, clients, fault injection) runs inside
 * {@link #runNext}, one task at a time on the calling thread, so a run is a pure function of
 * its seed: tasks due at the same millisecond run in the order they were scheduled. Nothing
 * here sleeps; a run of minutes of virtual time takes milliseconds.
 *
 * <p>Bounded: more than {@code tasksMax} executed tasks fails the run (a livelock, e.g. a retry
 * loop that never ends, shows up as this failure rather than as a hung build).
 */
final class SimScheduler implements Scheduler {
    private final ManualClock clock;
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private final long tasksMax;
    private long sequence;
    private long executed;
    private Runnable afterEach = () -> {};

    SimScheduler(long startMillis, long tasksMax) {
        if (tasksMax < 1) {
            throw new IllegalArgumentException("tasksMax must be positive: " + tasksMax);
        }
        this.clock = new ManualClock(startMillis);
        this.tasksMax = tasksMax;
    }

    /** The virtual clock: the time of the task running now (or of the last one run). */
    ManualClock clock() {
        return clock;
    }

    long nowMillis() {
        return clock.currentTimeMillis();
    }

    /** Tasks run so far. */
    long executed() {
        return executed;
    }

    /** Runs {@code check} after every task (the simulator's invariant checks hook in here). */
    void afterEach(Runnable check) {
        this.afterEach = check;
    }

    /**
     * A view of this scheduler whose tasks run only if {@code live} still holds when they come
     * due: a node incarnation's timers die with it, as a killed process's do.
     */
    Scheduler whileLive(BooleanSupplier live) {
        return (delayMillis, task) -> schedule(delayMillis, () -> {
            if (live.getAsBoolean()) {
                task.run();
            }
        });
    }

    @Override
    public Cancellable schedule(long delayMillis, Runnable task) {
        if (delayMillis < 0) {
            throw new IllegalArgumentException("negative delay: " + delayMillis);
        }
        Task t = new Task(clock.currentTimeMillis() + delayMillis, sequence++, task);
        queue.add(t);
        return t;
    }

    /**
     * Runs the next task if one is due at or before {@code limitMillis}, moving the clock to its
     * time. Returns false (and runs nothing) otherwise.
     */
    boolean runNext(long limitMillis) {
        Task t = queue.peek();
        if (t == null || t.dueMillis > limitMillis) {
            return false;
        }
        queue.poll();
        if (t.cancelled) {
            return true;
        }
        if (++executed > tasksMax) {
            throw new IllegalStateException("more than " + tasksMax + " simulated tasks: livelock?");
        }
        // Due times never lie in the past: a task is scheduled at now + delay, delay >= 0.
        clock.setMillis(t.dueMillis);
        t.task.run();
        afterEach.run();
        return true;
    }

    /** Runs every task due up to {@code limitMillis}, then moves the clock there. */
    void runUntil(long limitMillis) {
        while (runNext(limitMillis)) {
            // keep going
        }
        if (clock.currentTimeMillis() < limitMillis) {
            clock.setMillis(limitMillis);
        }
    }

    /**
     * Runs tasks until {@code done} holds or no task is due before {@code deadlineMillis}.
     * Returns whether {@code done} holds.
     */
    boolean runUntil(BooleanSupplier done, long deadlineMillis) {
        while (!done.getAsBoolean()) {
            if (!runNext(deadlineMillis)) {
                if (clock.currentTimeMillis() < deadlineMillis) {
                    clock.setMillis(deadlineMillis);
                }
                return done.getAsBoolean();
            }
        }
        return true;
    }

    private static final class Task implements Comparable<Task>, Cancellable {
        final long dueMillis;
        final long sequence;
        final Runnable task;
        boolean cancelled;

        Task(long dueMillis, long sequence, Runnable task) {
            this.dueMillis = dueMillis;
            this.sequence = sequence;
            this.task = task;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Task o) {
            int c = Long.compare(dueMillis, o.dueMillis);
            return c != 0 ? c : Long.compare(sequence, o.sequence);
        }
    }
}
