package io.ringkv.ring.sim;

/** A simulated run broke a property: the message names the seed; the history is attached when it was kept. */
final class SimulationFailure extends AssertionError {
    private final transient String history;

    SimulationFailure(String message, String history) {
        super(message);
        this.history = history;
    }

    /** The run's whole history, or null when it was not kept. */
    String history() {
        return history;
    }
}
