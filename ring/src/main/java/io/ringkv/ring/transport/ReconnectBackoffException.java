package io.ringkv.ring.transport;

/**
 * A request failed at once, without trying the network, because a connect to the peer failed
 * within the reconnect backoff. It never left this node, like any {@link PeerUnreachableException},
 * but it is no new evidence against the peer: the failed connect was reported when it happened,
 * and the peer may have been heard from since (it is then reconnected at once). Callers that
 * feed failures to the failure detector skip these, so that one stale connect failure does not
 * mark a peer down again right after gossip judged it up.
 */
public final class ReconnectBackoffException extends PeerUnreachableException {
    public ReconnectBackoffException(String message) {
        super(message);
    }

    /** Whether {@code t} shows the peer unreachable now: unreachable, and not a backoff fast-fail. */
    public static boolean isFreshUnreachable(Throwable t) {
        return t instanceof PeerUnreachableException && !(t instanceof ReconnectBackoffException);
    }
}
