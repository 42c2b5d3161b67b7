/**
 * The deterministic simulator of a RingKV cluster, after TigerBeetle's VOPR: the production
 * coordinator ({@code ClusterService}), replica store, version logic and membership of N
 * nodes run in one thread over a simulated network and virtual time, driven by random clients
 * and a fault-injecting nemesis, every choice drawn from one seed. A failing run prints the
 * seed and the system properties that replay it exactly.
 *
 * <ul>
 *   <li>{@link io.ringkv.ring.sim.SimScheduler}: virtual time, a queue of (time, sequence,
 *       task) and a clock that moves only when a task runs.
 *   <li>{@link io.ringkv.ring.sim.SimNetwork}: one {@code MessagingService} per node
 *       incarnation; delay, reordering, loss, partitions, crashes.
 *   <li>{@link io.ringkv.ring.sim.SimNode}: a node's production objects over a storage engine
 *       that outlives crashes (or is lost with the disk).
 *   <li>{@link io.ringkv.ring.sim.SimRouter}: the client-facing forwarding of production's
 *       {@code Router}.
 *   <li>{@link io.ringkv.ring.sim.Simulation}: one run (workload, drain, heal, repair, check),
 *       shaped by {@link io.ringkv.ring.sim.SimConfig}.
 *   <li>{@link io.ringkv.ring.sim.HistoryChecker}: the model and the properties checked.
 * </ul>
 *
 * Tests: {@code SimulationTest} (the seed sweep; see it for the system properties),
 * {@code DeterminismTest}, {@code FixedBugsTest} (bugs the simulator found, now regression tests), and unit
 * tests of the scheduler and network.
 */
package io.ringkv.ring.sim;
