/**
 * Hinted handoff: {@link io.ringkv.ring.hints.HintStore} keeps sibling sets for replicas that
 * could not take them (durably, in an engine apart from the replica data, bounded in bytes per
 * target and by the hint window), and {@link io.ringkv.ring.hints.HintedHandoff} hands them
 * back, throttled, once membership sees the target up. Hints are written by the coordinator's
 * sloppy-quorum write path ({@code ClusterService}, verb {@code HINT_WRITE}).
 */
package io.ringkv.ring.hints;
