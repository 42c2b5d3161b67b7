package io.ringkv.ring.membership;

/**
 * A {@link GenerationStore} that remembers only as long as the object lives: for tests and the
 * simulator, where one object outlives a node's simulated restarts.
 */
public final class InMemoryGenerationStore implements GenerationStore {
    private long last = -1;

    @Override
    public synchronized long next(long nowSeconds) {
        last = Math.max(nowSeconds, last + 1);
        return last;
    }
}
