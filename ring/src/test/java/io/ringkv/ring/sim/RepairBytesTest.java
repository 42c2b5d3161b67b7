package io.ringkv.ring.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.ring.partition.Partitioner;
import io.ringkv.ring.repair.RepairResult;
import io.ringkv.ring.repair.RepairSettings;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Measures what anti-entropy costs: two replicas of {@code repair.keys} keys (default 100,000;
 * run with {@code -Drepair.keys=1000000} for the recorded measurement) over the default 256
 * partitions and 1024-leaf trees, 1% of the keys diverged on one side (a third updated, a third
 * new, a third deleted). Counts every request and reply payload byte through the messaging
 * layer and compares with a full copy of one replica (keys plus encoded sibling sets); times
 * the repair in wall milliseconds (virtual time says nothing about CPU).
 */
class RepairBytesTest {
    @Test
    void repairingOnePercentDivergenceMovesUnderATenthOfAFullCopy() {
        int keys = Integer.getInteger("repair.keys", 100_000);
        RepairSettings settings = RepairSettings.defaults().withRepairIntervalMillis(0).withRepairBytesPerSecond(Long.MAX_VALUE / 1_000_000);
        RepairCluster c = new RepairCluster(2, Partitioner.DEFAULT_PARTITIONS, settings, 0);
        Random random = new Random(42);
        byte[] value = new byte[48];
        for (int i = 0; i < keys; i++) {
            random.nextBytes(value);
            c.writeEverywhere("key:" + i, new String(value, java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        RepairCluster.Replica n1 = c.node("n1");
        RepairCluster.Replica n2 = c.node("n2");
        int diverged = keys / 100;
        for (int j = 0; j < diverged; j++) {
            int i = random.nextInt(keys);
            switch (j % 3) {
                case 0 -> n2.write("key:" + i, "updated-" + j);
                case 1 -> n2.write("new:" + j, "fresh-" + j);
                default -> n2.delete("key:" + i);
            }
        }
        long[] total = {0};
        n2.store.scanStored(null, null, (skey, set) -> {
            total[0] += skey.length - 8 + set.encode().length;
            return true;
        });
        long fullCopyBytes = total[0];
        long buildStart = System.nanoTime();
        c.buildTrees();
        long buildMillis = (System.nanoTime() - buildStart) / 1_000_000 / 2;

        long start = System.nanoTime();
        List<RepairResult> results = c.repairAll("n1");
        long repairMillis = (System.nanoTime() - start) / 1_000_000;

        long exchanged = n1.messaging.bytes();
        long differing = results.stream().mapToLong(RepairResult::keysDiffering).sum();
        long repaired = results.stream().mapToLong(RepairResult::keysRepaired).sum();
        System.out.printf("repair-bytes: keys=%d diverged=%d differing=%d repaired=%d exchanged=%d bytes (%d requests) fullCopy=%d bytes"
                + " ratio=%.2f%% repairMillis=%d treeBuildMillisPerNode=%d%n", keys, diverged, differing, repaired, exchanged,
                n1.messaging.requests.sum(), fullCopyBytes, 100.0 * exchanged / fullCopyBytes, repairMillis, buildMillis);

        assertThat(results).allMatch(RepairResult::full);
        assertThat(results.stream().mapToLong(RepairResult::bytesExchanged).sum()).isEqualTo(exchanged);
        assertThat(exchanged).isLessThan(fullCopyBytes / 10);
        assertThat(n1.contents()).isEqualTo(n2.contents());
    }
}
