/**
 * Anti-entropy (Merkle/Tictac repair): per-partition XOR hash trees kept in step with the
 * replica store ({@link io.ringkv.ring.repair.TictacTree}, {@link io.ringkv.ring.repair.RepairTrees})
 * and the exchange that compares them with the other replicas and merges only the keys that
 * differ ({@link io.ringkv.ring.repair.RepairService}). A repair in which every replica took part
 * is recorded per partition and gates tombstone reaping
 * ({@link io.ringkv.ring.replica.ReplicaStore#compactionFilter(io.ringkv.common.Clock, long,
 * io.ringkv.ring.partition.Partitioner, java.util.function.IntToLongFunction)}).
 */
package io.ringkv.ring.repair;
