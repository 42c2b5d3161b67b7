package io.ringkv.ring.membership;

/**
 * Hands out a node's gossip generation at startup: its startup time in seconds, but strictly
 * greater than any generation handed out before, even if the clock went back, so peers always
 * recognise the restarted node's state as newer.
 */
public interface GenerationStore {
    /** max(nowSeconds, last generation + 1), remembered before it is returned. */
    long next(long nowSeconds);
}
