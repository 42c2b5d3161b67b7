package io.ringkv.ring.coordinator;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Asynchronous per-key mutual exclusion for the coordinator: a read-modify-write holds its
 * key across network round trips without blocking a thread. Waiters are queued in arrival
 * order; the queue per key is bounded so one hot key cannot exhaust memory.
 */
final class KeyLocks {
    private final ConcurrentHashMap<ByteBuffer, ArrayDeque<CompletableFuture<Void>>> held = new ConcurrentHashMap<>();
    private final int waitersPerKeyMax;

    KeyLocks(int waitersPerKeyMax) {
        this.waitersPerKeyMax = waitersPerKeyMax;
    }

    /** Completes (possibly at once) when the caller holds {@code key}; it must then {@link #release}. */
    CompletableFuture<Void> acquire(byte[] key) {
        CompletableFuture<Void> ticket = new CompletableFuture<>();
        boolean[] granted = {false};
        boolean[] full = {false};
        held.compute(ByteBuffer.wrap(key), (k, waiters) -> {
            if (waiters == null) {
                granted[0] = true;
                return new ArrayDeque<>(2);
            }
            if (waiters.size() >= waitersPerKeyMax) {
                full[0] = true;
                return waiters;
            }
            waiters.add(ticket);
            return waiters;
        });
        if (full[0]) {
            // Refused before anything was written: the caller sees UNAVAILABLE, as for too few replicas.
            ticket.completeExceptionally(new io.ringkv.ring.UnavailableException(
                    "too many operations waiting on one key at its coordinator (coordinator-key-waiters-max " + waitersPerKeyMax + ")"));
        } else if (granted[0]) {
            ticket.complete(null);
        }
        return ticket;
    }

    /** Hands {@code key} to the next waiter, or frees it. */
    void release(byte[] key) {
        CompletableFuture<Void>[] next = new CompletableFuture[1];
        held.computeIfPresent(ByteBuffer.wrap(key), (k, waiters) -> {
            next[0] = waiters.poll();
            return next[0] == null ? null : waiters;
        });
        if (next[0] != null) {
            next[0].complete(null);
        }
    }

    int heldKeys() {
        return held.size();
    }
}
