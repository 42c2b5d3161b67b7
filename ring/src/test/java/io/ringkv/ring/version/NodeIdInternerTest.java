package io.ringkv.ring.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NodeIdInternerTest {
    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static NodeId intern(NodeIdInterner ids, String id) {
        // Surrounded by other bytes: the interner reads a slice of a larger message.
        byte[] framed = ascii("##" + id + "##");
        return ids.intern(framed, 2, id.length());
    }

    @Test
    void anInternedIdEqualsTheOneBuiltFromItsTextAndIsReusedOnTheNextLookup() {
        NodeIdInterner ids = new NodeIdInterner(16);
        NodeId first = intern(ids, "n1.k3f9a");
        assertThat(first).isEqualTo(new NodeId("n1.k3f9a"));
        assertThat(intern(ids, "n1.k3f9a")).isSameAs(first);
        assertThat(intern(ids, "n2.k3f9a")).isEqualTo(new NodeId("n2.k3f9a")).isNotEqualTo(first);
        assertThat(ids.size()).isEqualTo(2);
    }

    @Test
    void invalidIdsFailAsWithoutTheCacheAndAreNotCached() {
        NodeIdInterner ids = new NodeIdInterner(16);
        byte[] nonAscii = {'n', (byte) 0xE9};
        assertThatThrownBy(() -> ids.intern(nonAscii, 0, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> intern(ids, "bad id")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> intern(ids, "bad id")).isInstanceOf(IllegalArgumentException.class);
        assertThat(ids.size()).isZero();
    }

    @Test
    void theCacheStopsGrowingAtItsBoundAndStillDecodesEveryIdCorrectly() {
        NodeIdInterner ids = new NodeIdInterner(5);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 40; i++) {
                assertThat(intern(ids, "node-" + i)).isEqualTo(new NodeId("node-" + i));
            }
        }
        assertThat(ids.size()).isEqualTo(5);
        // The ids cached first stay cached: the same instance comes back.
        assertThat(intern(ids, "node-0")).isSameAs(intern(ids, "node-0"));
    }

    @Test
    void idsWithCollidingSlotsAreKeptApart() {
        // Far more ids than the smallest table, so probes run into each other and the table grows.
        NodeIdInterner ids = new NodeIdInterner(1024);
        for (int i = 0; i < 1024; i++) {
            assertThat(intern(ids, "n" + i)).isEqualTo(new NodeId("n" + i));
        }
        for (int i = 0; i < 1024; i++) {
            assertThat(intern(ids, "n" + i)).isEqualTo(new NodeId("n" + i));
        }
        assertThat(ids.size()).isEqualTo(1024);
        assertThat(intern(ids, "one-more")).isEqualTo(new NodeId("one-more"));
        assertThat(ids.size()).isEqualTo(1024);
    }

    @Test
    void threadsInterningTheSameIdsAllGetEqualIdsAndTheBoundHolds() throws Exception {
        NodeIdInterner ids = new NodeIdInterner(8);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        String id = "n" + ((i * 7 + thread) % 12);
                        assertThat(intern(ids, id)).isEqualTo(new NodeId(id));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS); // rethrows an assertion failure of the thread
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(ids.size()).isEqualTo(8);
    }

    @Test
    void aSetDecodedThroughTheCacheEqualsTheOneDecodedWithoutAndReencodesToTheSameBytes() {
        NodeIdInterner ids = new NodeIdInterner(4); // fewer than the ids used: both paths run
        SplittableRandom random = new SplittableRandom(42);
        Siblings s = Siblings.empty();
        for (int i = 0; i < 200; i++) {
            NodeId coordinator = new NodeId("n" + random.nextInt(7) + ".e" + random.nextInt(3));
            VersionVector context = random.nextBoolean() ? s.clock() : VersionVector.empty();
            s = s.update(coordinator, context, Record.string(ascii("v" + i), i, Record.NO_EXPIRY)).capped(5);
            byte[] encoded = s.encode();
            Siblings cached = Siblings.decode(encoded, ids);
            assertThat(cached).isEqualTo(Siblings.decode(encoded)).isEqualTo(s);
            assertThat(cached.encode()).isEqualTo(encoded);
        }
        assertThat(ids.size()).isEqualTo(4);
    }

    @Test
    void boundsMustBePositive() {
        assertThatThrownBy(() -> new NodeIdInterner(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Siblings.decode(Siblings.empty().encode(), null)).isInstanceOf(IllegalArgumentException.class);
    }
}
