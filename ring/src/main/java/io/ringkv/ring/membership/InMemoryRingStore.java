package io.ringkv.ring.membership;

import io.ringkv.ring.partition.RingSnapshot;
import java.util.Optional;

/**
 * A {@link RingManager.RingStore} that remembers only as long as the object lives: for nodes
 * without a disk (the memory engine) and the simulator, where one object outlives a node's
 * simulated restarts.
 */
public final class InMemoryRingStore implements RingManager.RingStore {
    private volatile RingSnapshot ring;
    private volatile boolean leaveRequested;

    @Override
    public Optional<RingSnapshot> load() {
        return Optional.ofNullable(ring);
    }

    @Override
    public void save(RingSnapshot ring) {
        this.ring = ring;
    }

    @Override
    public boolean leaveRequested() {
        return leaveRequested;
    }

    @Override
    public void requestLeave() {
        leaveRequested = true;
    }
}
