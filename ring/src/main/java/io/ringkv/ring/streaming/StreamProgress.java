package io.ringkv.ring.streaming;

import io.ringkv.ring.NodeId;
import java.util.Map;

/**
 * A snapshot of this node's streaming, for {@code INFO ring} and {@code RING STATUS}.
 *
 * @param state what the service is doing
 * @param ringVersion the version of the ring in transition being streamed for (0 when idle)
 * @param partitionsTotal partitions this node receives in that transition
 * @param partitionsDone of those, the ones fully received (including ones finished before a restart)
 * @param keysReceived keys merged from pages since this service started the stream
 * @param bytesReceived page bytes received since then
 * @param bytesPerSecond average receive rate since then
 * @param sourceFailures page requests that failed (timeouts, unreachable or failed sources)
 * @param currentSources partition being streamed -> the node it is pulled from
 * @param pagesServed pages this node served to others (as a source)
 * @param bytesServed bytes of those pages
 */
public record StreamProgress(
        State state,
        long ringVersion,
        int partitionsTotal,
        int partitionsDone,
        long keysReceived,
        long bytesReceived,
        long bytesPerSecond,
        long sourceFailures,
        Map<Integer, NodeId> currentSources,
        long pagesServed,
        long bytesServed) {
    /** What a stream service is doing. */
    public enum State {
        /** No transition to stream for. */
        IDLE,
        /** Pulling partitions. */
        STREAMING,
        /** Every partition of the transition is here. */
        DONE,
        /** Dropping partitions this node no longer replicates. */
        CLEANING_UP
    }
}
