package io.ringkv.ring.hints;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.common.Bytes;
import io.ringkv.common.ManualClock;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import io.ringkv.ring.version.Siblings;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.lsm.LsmEngine;
import io.ringkv.storage.lsm.LsmOptions;
import io.ringkv.storage.memory.MemoryEngine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HintStoreTest {
    static final NodeId N1 = new NodeId("n1");
    static final NodeId N2 = new NodeId("n2");
    static final NodeId N10 = new NodeId("n10");
    static final long START = 1_700_000_000_000L;

    final ManualClock clock = new ManualClock(START);
    final Map<NodeId, Long> downSince = new HashMap<>();

    static Siblings set(String value) {
        return Siblings.empty().update(N1, Siblings.empty().clock(), Record.string(Bytes.utf8(value), START, Record.NO_EXPIRY));
    }

    HintStore open(StorageEngine engine, HintSettings settings) {
        return new HintStore(engine, clock, settings, n -> downSince.getOrDefault(n, 0L));
    }

    static HintSettings settings(long windowMillis, long bytesPerTargetMax) {
        HintSettings d = HintSettings.defaults();
        return new HintSettings(windowMillis, bytesPerTargetMax, d.hintDeliveryIntervalMillis(), d.hintDeliveryBytesPerSecond(),
                d.hintDeliveryInFlightMax(), d.hintDeliveryTimeoutMillis());
    }

    static List<String> keysFor(HintStore store, NodeId target) {
        List<String> keys = new ArrayList<>();
        for (HintStore.Hint h = store.next(target, null); h != null; h = store.next(target, h)) {
            keys.add(Bytes.string(h.key()));
        }
        return keys;
    }

    @Test
    void hintsForOneTargetComeBackInCreationOrderAndApartFromOtherTargets() {
        HintStore store = open(new MemoryEngine(), HintSettings.defaults());
        // "n1" is a prefix of "n10": the length prefix keeps their ranges apart.
        assertTrue(store.store(N1, Bytes.utf8("c"), set("1")));
        assertTrue(store.store(N10, Bytes.utf8("x"), set("2")));
        clock.advanceMillis(5);
        assertTrue(store.store(N1, Bytes.utf8("a"), set("3")));
        assertTrue(store.store(N1, Bytes.utf8("b"), set("4"))); // same millisecond: the sequence orders
        assertEquals(List.of("c", "a", "b"), keysFor(store, N1));
        assertEquals(List.of("x"), keysFor(store, N10));
        assertEquals(List.of(), keysFor(store, N2));
        HintStore.Hint first = store.next(N1, null);
        assertEquals(START, first.createdMillis());
        assertEquals(set("1"), first.siblings());
        assertEquals(List.of(N1, N10), store.targets());
        assertEquals(3, store.pending(N1).count());
        assertEquals(4, store.counters().get("hints_stored"));
        assertEquals(4, store.counters().get("hints_pending"));
    }

    @Test
    void replicaWritePayloadIsTheKeyAndTheSetLengthPrefixed() {
        HintStore store = open(new MemoryEngine(), HintSettings.defaults());
        store.store(N2, Bytes.utf8("k"), set("v"));
        byte[] payload = store.next(N2, null).replicaWritePayload();
        io.ringkv.common.WireReader r = new io.ringkv.common.WireReader(payload);
        assertArrayEquals(Bytes.utf8("k"), r.bytes());
        assertEquals(set("v"), Siblings.decode(r.bytes()));
        r.expectEnd();
    }

    @Test
    void overTheByteBoundNewHintsAreDroppedAndCountedWhileOtherTargetsStillStore() {
        HintStore probe = open(new MemoryEngine(), HintSettings.defaults());
        probe.store(N2, Bytes.utf8("k0"), set("v"));
        long oneHint = probe.pending(N2).bytes();

        HintStore store = open(new MemoryEngine(), settings(HintSettings.DEFAULT_HINT_WINDOW_MILLIS, 3 * oneHint));
        for (int i = 0; i < 5; i++) {
            store.store(N2, Bytes.utf8("k" + i), set("v"));
        }
        assertEquals(3, store.pending(N2).count());
        assertEquals(3 * oneHint, store.pending(N2).bytes());
        assertEquals(2, store.counters().get("hints_dropped"));
        assertEquals(2, store.counters().get("hints_dropped_over_bytes"));
        assertTrue(store.store(N1, Bytes.utf8("k0"), set("v")), "the bound is per target");
        // Delivering one frees room for one more.
        assertTrue(store.delivered(store.next(N2, null)));
        assertTrue(store.store(N2, Bytes.utf8("k9"), set("v")));
        assertFalse(store.store(N2, Bytes.utf8("k8"), set("v")));
    }

    @Test
    void noHintIsStoredForATargetDownLongerThanTheWindow() {
        HintStore store = open(new MemoryEngine(), settings(1_000, HintSettings.DEFAULT_HINT_BYTES_PER_TARGET_MAX));
        downSince.put(N2, START);
        clock.advanceMillis(1_000);
        assertTrue(store.store(N2, Bytes.utf8("k"), set("v")), "down exactly the window: still hinted");
        clock.advanceMillis(1);
        assertFalse(store.store(N2, Bytes.utf8("k"), set("v")));
        assertEquals(1, store.counters().get("hints_dropped_over_window"));
        assertTrue(store.store(N1, Bytes.utf8("k"), set("v")), "a target not known down is hinted");
    }

    @Test
    void hintsOlderThanTheWindowExpireAndAreCounted() {
        HintStore store = open(new MemoryEngine(), settings(1_000, HintSettings.DEFAULT_HINT_BYTES_PER_TARGET_MAX));
        store.store(N2, Bytes.utf8("old"), set("v"));
        store.store(N1, Bytes.utf8("old"), set("v"));
        clock.advanceMillis(600);
        store.store(N2, Bytes.utf8("young"), set("v"));
        clock.advanceMillis(500);
        assertEquals(2, store.expire(100));
        assertEquals(List.of("young"), keysFor(store, N2));
        assertEquals(List.of(N2), store.targets());
        assertEquals(2, store.counters().get("hints_expired"));
        assertEquals(1, store.counters().get("hints_pending"));
        clock.advanceMillis(600);
        assertEquals(1, store.expire(100));
        assertEquals(0, store.counters().get("hints_pending"));
        assertEquals(0, store.counters().get("hints_pending_bytes"));
    }

    @Test
    void expiryDeletesAtMostTheGivenNumberPerCall() {
        HintStore store = open(new MemoryEngine(), settings(1_000, HintSettings.DEFAULT_HINT_BYTES_PER_TARGET_MAX));
        for (int i = 0; i < 5; i++) {
            store.store(N2, Bytes.utf8("k" + i), set("v"));
        }
        clock.advanceMillis(2_000);
        assertEquals(3, store.expire(3));
        assertEquals(2, store.expire(3));
        assertEquals(0, store.expire(3));
    }

    @Test
    void aDeliveredHintIsDeletedAndCountedOnce() {
        HintStore store = open(new MemoryEngine(), HintSettings.defaults());
        store.store(N2, Bytes.utf8("a"), set("v"));
        store.store(N2, Bytes.utf8("b"), set("v"));
        HintStore.Hint a = store.next(N2, null);
        assertTrue(store.delivered(a));
        assertFalse(store.delivered(a));
        assertEquals(List.of("b"), keysFor(store, N2));
        assertEquals(1, store.counters().get("hints_delivered"));
        assertEquals(1, store.counters().get("hints_pending"));
    }

    @Test
    void reopeningAnLsmEngineKeepsHintsTheirOrderAndTheByteAccounting(@TempDir Path dir) {
        Map<String, Long> before;
        try (LsmEngine engine = LsmEngine.open(dir, LsmOptions.defaults(), null)) {
            HintStore store = open(engine, HintSettings.defaults());
            store.store(N2, Bytes.utf8("a"), set("1"));
            store.store(N2, Bytes.utf8("b"), set("2"));
            store.store(N1, Bytes.utf8("c"), set("3"));
            store.delivered(store.next(N1, null));
            before = store.counters();
        }
        try (LsmEngine engine = LsmEngine.open(dir, LsmOptions.defaults(), null)) {
            HintStore store = open(engine, HintSettings.defaults());
            assertEquals(before.get("hints_pending"), store.counters().get("hints_pending"));
            assertEquals(before.get("hints_pending_bytes"), store.counters().get("hints_pending_bytes"));
            assertEquals(List.of(N2), store.targets());
            // Same millisecond as before the restart: the sequence continues, nothing is overwritten.
            store.store(N2, Bytes.utf8("d"), set("4"));
            assertEquals(List.of("a", "b", "d"), keysFor(store, N2));
            assertEquals(set("2"), store.next(N2, store.next(N2, null)).siblings());
        }
    }

    @Test
    void hintsForADepartedTargetAreDroppedAndCountedApart() {
        HintStore store = open(new MemoryEngine(), HintSettings.defaults());
        assertTrue(store.store(N1, Bytes.utf8("a"), set("1")));
        assertTrue(store.store(N1, Bytes.utf8("b"), set("2")));
        assertTrue(store.store(N2, Bytes.utf8("c"), set("3")));

        assertEquals(1, store.dropTarget(N1, 1));
        assertEquals(1, store.dropTarget(N1, 10));
        assertEquals(0, store.pending(N1).count());
        assertEquals(List.of("c"), keysFor(store, N2));
        assertEquals(2L, store.counters().get("hints_dropped_departed"));
        assertEquals(0L, store.counters().get("hints_delivered"));
    }
}
