package io.ringkv.common;

import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when {@link #advanceMillis} or {@link #setMillis} is called. */
public final class ManualClock implements Clock {
    private final AtomicLong millis;

    public ManualClock(long startMillis) {
        this.millis = new AtomicLong(startMillis);
    }

    @Override
    public long currentTimeMillis() {
        return millis.get();
    }

    @Override
    public long nanoTime() {
        return millis.get() * 1_000_000L;
    }

    public void advanceMillis(long deltaMillis) {
        if (deltaMillis < 0) {
            throw new IllegalArgumentException("clock cannot move backwards: " + deltaMillis);
        }
        millis.addAndGet(deltaMillis);
    }

    public void setMillis(long newMillis) {
        millis.set(newMillis);
    }
}
