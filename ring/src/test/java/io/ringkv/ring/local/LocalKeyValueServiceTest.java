package io.ringkv.ring.local;

import static io.ringkv.common.Bytes.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.common.Bytes;
import io.ringkv.common.ManualClock;
import io.ringkv.ring.Change;
import io.ringkv.ring.MultiKeyUpdate;
import io.ringkv.ring.Record;
import io.ringkv.ring.ScanPage;
import io.ringkv.storage.memory.MemoryEngine;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LocalKeyValueServiceTest {
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final LocalKeyValueService kv = new LocalKeyValueService(new MemoryEngine(), clock, new SplittableRandom(7), 64);

    private void set(String k, String v, long expireAt) {
        kv.update(utf8(k), (cur, now) -> Change.put(Record.string(utf8(v), now, expireAt), null));
    }

    @Test
    void expiredKeysReadAsAbsentAndAreReclaimedOnAccess() {
        set("a", "1", clock.currentTimeMillis() + 1000);
        assertThat(kv.get(utf8("a"))).isNotNull();
        clock.advanceMillis(1000);
        assertThat(kv.get(utf8("a"))).as("alive at exactly its deadline, as in Redis").isNotNull();
        clock.advanceMillis(1);
        assertThat(kv.get(utf8("a"))).isNull();
        assertThat(kv.size()).isZero();
        assertThat(kv.keysWithExpiry()).isZero();
        assertThat(kv.counters().get("expired_keys")).isEqualTo(1);
    }

    @Test
    void activeExpiryRemovesExpiredKeysWithBoundedWorkPerCycle() {
        for (int i = 0; i < 100; i++) {
            set("k" + i, "v", i % 2 == 0 ? clock.currentTimeMillis() + 10 : 0);
        }
        assertThat(kv.keysWithExpiry()).isEqualTo(50);
        clock.advanceMillis(11);
        int removed = 0;
        for (int cycle = 0; cycle < 10; cycle++) {
            int n = kv.activeExpireCycle(10);
            assertThat(n).isLessThanOrEqualTo(10);
            removed += n;
        }
        assertThat(removed).isEqualTo(50);
        assertThat(kv.size()).isEqualTo(50);
        assertThat(kv.keysWithExpiry()).isZero();
    }

    @Test
    void scanVisitsEveryKeyExactlyOnce() {
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            set("key:" + i, "v", 0);
            expected.add("key:" + i);
        }
        for (int i = 0; i < 50; i++) {
            set("{tag}:" + i, "v", 0);
            expected.add("{tag}:" + i);
        }
        List<String> seen = new ArrayList<>();
        long cursor = 0;
        int calls = 0;
        do {
            ScanPage page = kv.scan(cursor, 7, null, null);
            page.keys().forEach(k -> seen.add(Bytes.string(k)));
            cursor = page.nextCursor();
            calls++;
        } while (cursor != 0);
        assertThat(seen).hasSize(expected.size()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(calls).isGreaterThan(100);
    }

    @Test
    void scanFiltersByPatternWithoutSkippingProgress() {
        set("user:1", "a", 0);
        set("order:1", "b", 0);
        ScanPage page = kv.scan(0, 1000, k -> Bytes.string(k).startsWith("user:"), null);
        assertThat(page.keys()).extracting(Bytes::string).containsExactly("user:1");
        assertThat(page.nextCursor()).isZero();
    }

    @Test
    void updateAllAppliesEveryChangeAtomicallyAndCountsKeys() {
        set("{t}a", "1", 0);
        String reply = kv.updateAll(List.of(utf8("{t}a"), utf8("{t}b")), (cur, now) -> {
            assertThat(cur.get(0)).isNotNull();
            assertThat(cur.get(1)).isNull();
            return new MultiKeyUpdate.Result<>(List.of(Change.delete(null), Change.put(cur.get(0), null)), "moved");
        });
        assertThat(reply).isEqualTo("moved");
        assertThat(kv.get(utf8("{t}a"))).isNull();
        assertThat(Bytes.string(kv.get(utf8("{t}b")).payload())).isEqualTo("1");
        assertThat(kv.size()).isEqualTo(1);
    }

    @Test
    void concurrentIncrementsNeverLoseUpdates() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int t = 0; t < 4; t++) {
            pool.submit(() -> {
                for (int i = 0; i < 2000; i++) {
                    kv.update(utf8("counter"), (cur, now) -> {
                        long v = cur == null ? 0 : Long.parseLong(Bytes.string(cur.payload()));
                        return Change.put(Record.string(utf8(Long.toString(v + 1)), now, 0), null);
                    });
                }
            });
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(Bytes.string(kv.get(utf8("counter")).payload())).isEqualTo("8000");
    }

    @Test
    void randomKeyReturnsLiveKeysOrNullWhenEmpty() {
        assertThat(kv.randomKey()).isNull();
        set("only", "1", 0);
        set("gone", "1", clock.currentTimeMillis() + 1);
        clock.advanceMillis(5);
        for (int i = 0; i < 20; i++) {
            assertThat(Bytes.string(kv.randomKey())).isEqualTo("only");
        }
    }

    @Test
    void flushAllEmptiesTheKeySpace() {
        set("a", "1", 0);
        kv.flushAll();
        assertThat(kv.size()).isZero();
        assertThat(kv.get(utf8("a"))).isNull();
    }
}
