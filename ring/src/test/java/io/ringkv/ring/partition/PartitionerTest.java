package io.ringkv.ring.partition;

import static io.ringkv.common.Bytes.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PartitionerTest {
    @Test
    void murmur3MatchesReferenceVectors() {
        // First 64 bits of MurmurHash3_x64_128 (seed 0), as published by Guava's test vectors.
        assertThat(Murmur3.hash64(utf8("hello"), 0, 5)).isEqualTo(0xcbd8a7b341bd9b02L);
        byte[] fox = utf8("The quick brown fox jumps over the lazy dog");
        assertThat(Murmur3.hash64(fox, 0, fox.length)).isEqualTo(0xe34bbc7bbc071b6cL);
    }

    @Test
    void hashTagsPutKeysInOnePartition() {
        assertThat(Partitioner.token(utf8("{user1000}.following"))).isEqualTo(Partitioner.token(utf8("{user1000}.followers")));
        assertThat(Partitioner.token(utf8("foo{bar}zap"))).isEqualTo(Partitioner.token(utf8("bar")));
        // Redis Cluster rules: an empty tag, or no closing brace, hashes the whole key.
        assertThat(Partitioner.token(utf8("foo{}{bar}"))).isEqualTo(Partitioner.token(utf8("foo{}{bar}")))
                .isNotEqualTo(Partitioner.token(utf8("bar")));
        assertThat(Partitioner.token(utf8("foo{bar"))).isNotEqualTo(Partitioner.token(utf8("bar")));
        assertThat(Partitioner.token(utf8("foo{{bar}}zap"))).isEqualTo(Partitioner.token(utf8("{bar")));
    }

    @Test
    void partitionsAreEqualUnsignedTokenRanges() {
        Partitioner p = new Partitioner(256);
        assertThat(p.partitionOfToken(0)).isZero();
        assertThat(p.partitionOfToken(-1L)).isEqualTo(255);
        assertThat(p.partitionOfToken(Long.MIN_VALUE)).isEqualTo(128);
        assertThat(p.firstToken(128)).isEqualTo(Long.MIN_VALUE);
        for (int i = 0; i < 256; i++) {
            assertThat(p.partitionOfToken(p.firstToken(i))).isEqualTo(i);
        }
    }

    @Test
    void keysSpreadEvenlyOverPartitions() {
        Partitioner p = new Partitioner(256);
        int[] counts = new int[256];
        for (int i = 0; i < 256_000; i++) {
            counts[p.partitionOf(utf8("key:" + i))]++;
        }
        for (int c : counts) {
            assertThat(c).isBetween(850, 1150);
        }
    }
}
