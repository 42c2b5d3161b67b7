package io.ringkv.ring.membership;

import static io.ringkv.ring.membership.ApplicationState.STATUS;
import static io.ringkv.ring.membership.ApplicationState.WEIGHT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EndpointStateTest {
    private static EndpointState state(long generation, long heartbeat, Object... kv) {
        java.util.TreeMap<ApplicationState, VersionedValue> m = new java.util.TreeMap<>();
        for (int i = 0; i < kv.length; i += 3) {
            m.put((ApplicationState) kv[i], new VersionedValue((String) kv[i + 1], (Integer) kv[i + 2]));
        }
        return new EndpointState(new HeartbeatState(generation, heartbeat), m);
    }

    @Test
    void staleHeartbeatAndValuesNeverOverrideNewer() {
        EndpointState local = state(100, 10, STATUS, "normal", 8, WEIGHT, "2", 9);
        EndpointState stale = state(100, 5, STATUS, "joining", 3, WEIGHT, "1", 4);
        assertSame(local, EndpointState.merge(local, stale));
    }

    @Test
    void sameGenerationKeepsTheNewerOfEachValue() {
        EndpointState local = state(100, 10, STATUS, "joining", 3, WEIGHT, "2", 9);
        EndpointState remote = state(100, 12, STATUS, "normal", 11);
        EndpointState merged = EndpointState.merge(local, remote);
        assertEquals(12, merged.heartbeat().version());
        assertEquals("normal", merged.get(STATUS).value());
        assertEquals("2", merged.get(WEIGHT).value(), "a value the remote did not mention is kept");
        assertEquals(12, merged.maxVersion());
    }

    @Test
    void anOlderGenerationIsIgnoredEvenWithHigherVersions() {
        EndpointState local = state(200, 1, STATUS, "normal", 1);
        EndpointState old = state(100, 999, STATUS, "leaving", 998);
        assertSame(local, EndpointState.merge(local, old));
    }

    @Test
    void aRestartReplacesAllOldState() {
        EndpointState local = state(100, 50, STATUS, "normal", 40, WEIGHT, "3", 41);
        EndpointState restarted = state(101, 2, STATUS, "joining", 1);
        EndpointState merged = EndpointState.merge(local, restarted);
        assertSame(restarted, merged);
        assertEquals(null, merged.get(WEIGHT), "the previous incarnation's values are gone");
    }

    @Test
    void newerThanKeepsOnlyNewerValuesAndTheHeartbeat() {
        EndpointState s = state(100, 20, STATUS, "normal", 5, WEIGHT, "2", 15);
        EndpointState delta = s.newerThan(10);
        assertEquals(Map.of(WEIGHT, new VersionedValue("2", 15)), delta.states());
        assertEquals(20, delta.heartbeat().version());
        assertEquals(s, EndpointState.merge(state(100, 10, STATUS, "normal", 5), delta));
    }

    @Test
    void mergingWithNothingKnownTakesTheRemote() {
        EndpointState remote = state(7, 1);
        assertSame(remote, EndpointState.merge(null, remote));
    }

    @Test
    void boundsAreEnforced() {
        assertThrows(IllegalArgumentException.class, () -> new VersionedValue("x".repeat(VersionedValue.VALUE_BYTES_MAX + 1), 1));
        assertThrows(IllegalArgumentException.class, () -> ApplicationState.of("lower"));
        assertThrows(IllegalArgumentException.class, () -> ApplicationState.of("X".repeat(ApplicationState.NAME_LENGTH_MAX + 1)));
        java.util.TreeMap<ApplicationState, VersionedValue> many = new java.util.TreeMap<>();
        for (int i = 0; i <= EndpointState.APPLICATION_STATES_MAX; i++) {
            many.put(ApplicationState.of("S" + i), new VersionedValue("v", i));
        }
        assertThrows(IllegalArgumentException.class, () -> new EndpointState(new HeartbeatState(1, 1), many));
        assertEquals(ApplicationState.STATUS, ApplicationState.of("STATUS"), "extension names compare by name");
    }
}
