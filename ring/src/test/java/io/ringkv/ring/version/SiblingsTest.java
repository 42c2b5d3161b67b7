package io.ringkv.ring.version;

import static io.ringkv.ring.version.Fixtures.A;
import static io.ringkv.ring.version.Fixtures.B;
import static io.ringkv.ring.version.Fixtures.C;
import static io.ringkv.ring.version.Fixtures.expiring;
import static io.ringkv.ring.version.Fixtures.payload;
import static io.ringkv.ring.version.Fixtures.tombstone;
import static io.ringkv.ring.version.Fixtures.value;
import static io.ringkv.ring.version.Fixtures.vv;
import static io.ringkv.ring.version.VersionVectorTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringkv.ring.Record;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SiblingsTest {
    private static final VersionVector NOTHING_SEEN = VersionVector.empty();

    private static List<String> payloads(Siblings s) {
        return s.versions().stream().map(Fixtures::payload).toList();
    }

    @Test
    void emptySetHasNoSiblingsAndAnEmptyClock() {
        Siblings s = Siblings.empty();
        assertThat(s.isEmpty()).isTrue();
        assertThat(s.versions()).isEmpty();
        assertThat(s.clock().isEmpty()).isTrue();
        assertThat(s.winner(0)).isNull();
    }

    @Test
    void firstWriteGetsTheFirstDotOfItsCoordinator() {
        Siblings s = Siblings.empty().update(A, NOTHING_SEEN, value("x", 10));
        assertThat(s.versions()).singleElement().satisfies(v -> {
            assertThat(v.dot()).isEqualTo(new Dot(A, 1));
            assertThat(payload(v)).isEqualTo("x");
        });
        assertThat(s.clock()).isEqualTo(vv("a", 1));
    }

    @Test
    void writeWithTheCurrentContextReplacesTheValue() {
        Siblings s1 = Siblings.empty().update(A, NOTHING_SEEN, value("x", 10));
        Siblings s2 = s1.update(A, s1.clock(), value("y", 11));
        assertThat(payloads(s2)).containsExactly("y");
        assertThat(s2.versions().get(0).dot()).isEqualTo(new Dot(A, 2));
        assertThat(s2.clock()).isEqualTo(vv("a", 2));
    }

    @Test
    void concurrentWritesWithStaleContextsBecomeSiblings() {
        Siblings s1 = Siblings.empty().update(A, NOTHING_SEEN, value("v1", 10));
        VersionVector read = s1.clock(); // two clients both read v1
        Siblings s2 = s1.update(A, read, value("v2", 11));
        Siblings s3 = s2.update(A, read, value("v3", 12));
        assertThat(payloads(s3)).containsExactly("v2", "v3");
        assertThat(s3.clock()).isEqualTo(vv("a", 3));
    }

    @Test
    void updateDropsOnlyTheSiblingsItsContextCovers() {
        Siblings s = Siblings.empty().update(A, NOTHING_SEEN, value("v1", 10));
        s = s.update(A, NOTHING_SEEN, value("v2", 11)); // blind write: sibling of v1
        s = s.update(B, NOTHING_SEEN, value("v3", 12)); // blind, another coordinator
        assertThat(payloads(s)).containsExactly("v1", "v2", "v3");
        // A client that saw v1 and v3 (but not v2) replaces exactly those two.
        Siblings after = s.update(A, vv("a", 1, "b", 1), value("v4", 13));
        assertThat(payloads(after)).containsExactly("v2", "v4");
        assertThat(after.versions()).extracting(Version::dot).containsExactly(new Dot(A, 2), new Dot(A, 3));
        assertThat(after.clock()).isEqualTo(vv("a", 3, "b", 1));
    }

    @Test
    void writeWithTheMergedContextSupersedesEverySibling() {
        Siblings s = Siblings.empty().update(A, NOTHING_SEEN, value("v1", 10))
                .update(B, NOTHING_SEEN, value("v2", 11))
                .update(C, NOTHING_SEEN, value("v3", 12));
        assertThat(s.versions()).hasSize(3);
        Siblings after = s.update(B, s.clock(), value("v4", 13));
        assertThat(payloads(after)).containsExactly("v4");
        assertThat(after.versions().get(0).dot()).isEqualTo(new Dot(B, 2));
    }

    @Test
    void updateLearnsTheContextEvenForWritesItNeverHeld() {
        // The client read b:1 from another replica; this coordinator never held it, but must
        // treat it as superseded from now on, or a later sync would bring it back.
        Siblings replicaB = Siblings.empty().update(B, NOTHING_SEEN, value("from b", 10));
        Siblings replicaA = Siblings.empty().update(A, replicaB.clock(), value("from a", 11));
        assertThat(replicaA.clock()).isEqualTo(vv("a", 1, "b", 1));
        assertThat(payloads(replicaA.merge(replicaB))).containsExactly("from a");
        assertThat(payloads(replicaB.merge(replicaA))).containsExactly("from a");
    }

    @Test
    void newDotIsBeyondTheContextWhenTheCoordinatorIsBehindItself() {
        // Only after data loss can a context know more of A's writes than A does; A must then
        // not reissue a dot that names another write.
        Siblings wiped = Siblings.empty();
        Siblings s = wiped.update(A, vv("a", 5), value("x", 10));
        assertThat(s.versions().get(0).dot()).isEqualTo(new Dot(A, 6));
        assertThat(s.clock()).isEqualTo(vv("a", 6));
    }

    @Test
    void mergeKeepsConcurrentSiblingsAndDropsDominatedOnes() {
        Siblings base = Siblings.empty().update(A, NOTHING_SEEN, value("v1", 10));
        Siblings onA = base.update(A, base.clock(), value("a-wins", 11)); // supersedes v1
        Siblings onB = base.update(B, NOTHING_SEEN, value("b-concurrent", 12)); // concurrent with all
        Siblings merged = onA.merge(onB);
        assertThat(payloads(merged)).containsExactly("a-wins", "b-concurrent");
        assertThat(merged.clock()).isEqualTo(vv("a", 2, "b", 1));
        assertThat(onB.merge(onA)).isEqualTo(merged);
    }

    @Test
    void mergeDropsASiblingTheOtherSideHasSeenAndReplaced() {
        Siblings old = Siblings.empty().update(A, NOTHING_SEEN, value("old", 10));
        Siblings newer = old.update(B, old.clock(), value("new", 11));
        assertThat(payloads(old.merge(newer))).containsExactly("new");
        assertThat(old.merge(newer)).isSameAs(newer);
        assertThat(newer.merge(old)).isSameAs(newer);
    }

    @Test
    void mergeHandsBackAnOperandWhenNothingChanges() {
        Siblings s = Siblings.empty().update(A, NOTHING_SEEN, value("x", 10)).update(B, NOTHING_SEEN, value("y", 11));
        assertThat(s.merge(s)).isSameAs(s);
        assertThat(s.merge(Siblings.empty())).isSameAs(s);
        assertThat(Siblings.empty().merge(s)).isSameAs(s);
        Siblings copy = Siblings.decode(s.encode());
        assertThat(s.merge(copy)).isEqualTo(s);
    }

    @Test
    void mergeOfTwoDifferentRecordsUnderOneDotPicksTheSameOneEitherWay() {
        // Cannot happen without a node losing data; merge must still be commutative.
        Siblings x = Siblings.empty().update(A, NOTHING_SEEN, value("one", 10));
        Siblings y = Siblings.empty().update(A, NOTHING_SEEN, value("two", 10));
        assertThat(x.merge(y)).isEqualTo(y.merge(x));
        assertThat(x.merge(y).versions()).hasSize(1);
    }

    @Test
    void tombstonesSupersedeAndAreSupersededLikeValues() {
        Siblings s = Siblings.empty().update(A, NOTHING_SEEN, value("x", 10));
        Siblings deleted = s.update(A, s.clock(), tombstone(11));
        assertThat(deleted.versions()).singleElement()
                .satisfies(v -> assertThat(v.record().type()).isEqualTo(Record.Type.TOMBSTONE));
        assertThat(deleted.winner(11).record().type()).isEqualTo(Record.Type.TOMBSTONE);
        // A write that had not seen the delete stays a sibling of the tombstone...
        Siblings concurrent = deleted.update(B, s.clock(), value("y", 12));
        assertThat(concurrent.versions()).extracting(v -> v.record().type())
                .containsExactly(Record.Type.TOMBSTONE, Record.Type.STRING);
        // ...and one that had seen it replaces it.
        Siblings resurrected = deleted.update(B, deleted.clock(), value("z", 12));
        assertThat(payloads(resurrected)).containsExactly("z");
    }

    @Test
    void winnerIsTheSiblingWithTheHighestTimestamp() {
        Siblings s = Siblings.empty().update(A, NOTHING_SEEN, value("late", 30))
                .update(B, NOTHING_SEEN, value("early", 10))
                .update(C, NOTHING_SEEN, value("middle", 20));
        assertThat(payload(s.winner(0))).isEqualTo("late");
    }

    @Test
    void winnerIgnoresSiblingsExpiredAtNow() {
        Siblings s = Siblings.empty().update(A, NOTHING_SEEN, expiring("short-lived", 30, 100))
                .update(B, NOTHING_SEEN, value("lasting", 10));
        assertThat(payload(s.winner(100))).isEqualTo("short-lived"); // expired only once strictly past
        assertThat(payload(s.winner(101))).isEqualTo("lasting");
        Siblings allExpired = Siblings.empty().update(A, NOTHING_SEEN, expiring("gone", 30, 100));
        assertThat(allExpired.winner(101)).isNull();
    }

    @Test
    void timestampTiesGoToTheGreaterNodeIdThenTheGreaterCounter() {
        Siblings s = Siblings.empty().update(B, NOTHING_SEEN, value("b1", 10))
                .update(A, NOTHING_SEEN, value("a1", 10))
                .update(A, NOTHING_SEEN, value("a2", 10));
        assertThat(payload(s.winner(0))).isEqualTo("b1");
        Siblings onlyA = Siblings.empty().update(A, NOTHING_SEEN, value("a1", 10))
                .update(A, NOTHING_SEEN, value("a2", 10));
        assertThat(payload(onlyA.winner(0))).isEqualTo("a2");
    }

    @Test
    void cappedDropsTheOldestSiblingsAndKeepsTheClock() {
        Siblings s = Siblings.empty().update(A, NOTHING_SEEN, value("t30", 30))
                .update(B, NOTHING_SEEN, value("t10", 10))
                .update(C, NOTHING_SEEN, value("t20", 20))
                .update(A, NOTHING_SEEN, value("t40", 40));
        Siblings capped = s.capped(2);
        assertThat(payloads(capped)).containsExactly("t30", "t40"); // still in dot order
        assertThat(capped.clock()).isEqualTo(s.clock());
        assertThat(s.capped(4)).isSameAs(s);
        // The dropped siblings count as superseded: a replica still holding one cannot revive it.
        assertThat(payloads(capped.merge(s))).containsExactly("t30", "t40");
        assertThatThrownBy(() -> s.capped(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cappedBreaksTimestampTiesByDroppingTheLowerDot() {
        Siblings s = Siblings.empty().update(B, NOTHING_SEEN, value("b1", 10))
                .update(A, NOTHING_SEEN, value("a1", 10))
                .update(C, NOTHING_SEEN, value("c1", 10));
        assertThat(payloads(s.capped(2))).containsExactly("b1", "c1");
        assertThat(payloads(s.capped(1))).containsExactly("c1");
    }

    @Test
    void versionsAreAReadOnlyView() {
        Siblings s = Siblings.empty().update(A, NOTHING_SEEN, value("x", 10));
        assertThatThrownBy(() -> s.versions().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void ofChecksTheInvariants() {
        Version v = new Version(new Dot(A, 2), value("x", 1));
        assertThatThrownBy(() -> Siblings.of(vv("a", 1), List.of(v))).hasMessageContaining("not covered");
        assertThatThrownBy(() -> Siblings.of(vv("a", 2), List.of(v, v))).hasMessageContaining("two siblings");
        assertThat(Siblings.of(vv("a", 2), List.of(v)).versions()).containsExactly(v);
    }

    @Test
    void oneSiblingWithAOneEntryClockTakesTenBytesBesidesTheRecord() {
        Record record = value("hello", 10);
        Siblings s = Siblings.empty().update(new io.ringkv.ring.NodeId("n1"), NOTHING_SEEN, record);
        byte[] encoded = s.encode();
        assertThat(encoded).hasSize(10 + record.encoded().length);
        assertThat(Arrays.copyOf(encoded, 10)).containsExactly(
                2, // format
                1, 2, 'n', '1', 1, // clock {n1=1}
                1, // one sibling
                0, 1, // dot: clock entry 0, counter 1
                record.encoded().length);
        assertThat(Arrays.copyOfRange(encoded, 10, encoded.length)).isEqualTo(record.encoded());
        assertThat(Siblings.empty().encode()).containsExactly(2, 0, 0);
    }

    @Test
    void codecRoundTrips() {
        Siblings s = Siblings.empty().update(A, NOTHING_SEEN, value("x", 10))
                .update(C, NOTHING_SEEN, tombstone(11))
                .update(B, NOTHING_SEEN, expiring("y", 12, 99));
        s = s.update(A, vv("a", 1), value("x2", 13));
        for (Siblings each : List.of(Siblings.empty(), s, s.capped(1))) {
            Siblings back = Siblings.decode(each.encode());
            assertThat(back).isEqualTo(each).hasSameHashCodeAs(each).hasToString(each.toString());
            assertThat(back.encode()).isEqualTo(each.encode());
        }
        assertThat(Siblings.decode(Siblings.empty().encode())).isSameAs(Siblings.empty());
    }

    @Test
    void decodeRejectsEveryTruncationAndTrailingBytes() {
        byte[] full = Siblings.empty().update(A, NOTHING_SEEN, value("x", 10))
                .update(B, NOTHING_SEEN, value("yy", 11)).encode();
        for (int n = 0; n < full.length; n++) {
            byte[] prefix = Arrays.copyOf(full, n);
            assertThatThrownBy(() -> Siblings.decode(prefix)).as("prefix %d", n)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> Siblings.decode(Arrays.copyOf(full, full.length + 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void decodeOfFlippedBytesFailsCleanlyOrYieldsAValidSet() {
        // Record payload bytes carry no checksum (storage and transport have their own), so some
        // flips decode; every one must either be rejected with IllegalArgumentException or give
        // a set that upholds the invariants and re-encodes to exactly the bytes read.
        byte[] full = Siblings.empty().update(A, NOTHING_SEEN, value("x", 10))
                .update(B, NOTHING_SEEN, tombstone(11)).update(A, vv("a", 1), value("z", 12)).encode();
        for (int i = 0; i < full.length; i++) {
            for (int mask : new int[] {0x01, 0x80, 0xFF}) {
                byte[] bad = full.clone();
                bad[i] ^= (byte) mask;
                try {
                    Siblings s = Siblings.decode(bad);
                    assertThat(s.encode()).as("byte %d ^ %x", i, mask).isEqualTo(bad);
                    assertThat(Siblings.of(s.clock(), s.versions())).isEqualTo(s);
                } catch (IllegalArgumentException expected) {
                    // rejected: fine
                }
            }
        }
    }

    @Test
    void decodeRejectsSetsThatBreakTheInvariants() {
        byte[] rec = value("x", 1).encoded();
        assertInvalid(concat(bytes(1, 0, 0)), "format byte 1");
        assertInvalid(concat(bytes(2, 1, 1, 'a', 1, 1, 1, 1), bytes(rec.length), rec), "index 1");
        assertInvalid(concat(bytes(2, 1, 1, 'a', 1, 1, 0, 2), bytes(rec.length), rec), "not covered");
        assertInvalid(concat(bytes(2, 1, 1, 'a', 1, 1, 0, 0), bytes(rec.length), rec), "not covered");
        assertInvalid(concat(bytes(2, 0, 1, 0, 1), bytes(rec.length), rec), "index 0");
        assertInvalid(concat(bytes(2, 1, 1, 'a', 2, 2, 0, 2), bytes(rec.length), rec, bytes(0, 1, rec.length), rec),
                "ascending");
        assertInvalid(concat(bytes(2, 1, 1, 'a', 2, 2, 0, 1), bytes(rec.length), rec, bytes(0, 1, rec.length), rec),
                "ascending");
        byte[] badFormat = rec.clone();
        badFormat[0] = 9;
        assertInvalid(concat(bytes(2, 1, 1, 'a', 1, 1, 0, 1), bytes(rec.length), badFormat), "not a RingKV record");
        byte[] badType = rec.clone();
        badType[1] = 9;
        assertInvalid(concat(bytes(2, 1, 1, 'a', 1, 1, 0, 1), bytes(rec.length), badType), "record type");
        assertInvalid(bytes(2, 0, 0x81, 0x20), "exceeds 4096"); // 4097 siblings
    }

    private static void assertInvalid(byte[] encoded, String message) {
        assertThatThrownBy(() -> Siblings.decode(encoded)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    @Test
    void mergeOfAnExpiredValueWithItsReclaimedTombstoneKeepsTheTombstoneEitherWay() {
        Siblings live = Siblings.empty().update(A, NOTHING_SEEN, expiring("gone", 10, 500));
        Dot dot = live.versions().get(0).dot();
        Siblings reclaimed = Siblings.of(live.clock(), List.of(new Version(dot, tombstone(500))));

        for (Siblings merged : List.of(live.merge(reclaimed), reclaimed.merge(live))) {
            assertThat(merged.versions()).singleElement().satisfies(v -> {
                assertThat(v.dot()).isEqualTo(dot);
                assertThat(v.record().isTombstone()).isTrue();
                assertThat(v.record().timestampMillis()).isEqualTo(500);
            });
        }
    }

    @Test
    void aSetWithTheSameClockButOtherBytesUnderADotDoesNotSubsumeTheOther() {
        Siblings live = Siblings.empty().update(A, NOTHING_SEEN, expiring("gone", 10, 500));
        Siblings reclaimed = Siblings.of(live.clock(), List.of(new Version(live.versions().get(0).dot(), tombstone(500))));
        // Equal clocks, one dot, different records: the merge must run (and keep the tombstone).
        assertThat(live.subsumes(reclaimed)).isFalse();
        assertThat(reclaimed.subsumes(live)).isFalse();
        assertThat(live.subsumes(Siblings.decode(live.encode()))).isTrue();
    }

    @Test
    void aNewerSetSubsumesTheOneItSupersededButNotAConcurrentOne() {
        Siblings first = Siblings.empty().update(A, NOTHING_SEEN, value("x", 10));
        Siblings second = first.update(A, first.clock(), value("y", 11));
        Siblings concurrent = Siblings.empty().update(B, NOTHING_SEEN, value("z", 12));
        assertThat(second.subsumes(first)).isTrue();
        assertThat(second.subsumes(Siblings.empty())).isTrue();
        assertThat(first.subsumes(second)).isFalse();
        assertThat(second.subsumes(concurrent)).isFalse();
        assertThat(second.merge(concurrent).subsumes(second)).isTrue();
        assertThat(second.merge(concurrent).subsumes(concurrent)).isTrue();
    }

    @Test
    void aSetStillHoldingAVersionTheOtherAlreadySupersededDoesNotSubsumeIt() {
        Siblings first = Siblings.empty().update(A, NOTHING_SEEN, value("x", 10));
        Siblings second = first.update(A, first.clock(), value("y", 11));
        // Its clock has seen a:2, yet it holds a:1 (a sibling cap can leave such a set): the
        // holder of a:2 drops a:1 on merging, so the result is not the received set.
        Siblings received = Siblings.of(vv("a", 2, "b", 1), List.of(first.versions().get(0),
                new Version(new Dot(B, 1), value("z", 12))));
        assertThat(received.clock().descends(second.clock())).isTrue();
        assertThat(received.subsumes(second)).isFalse();
        assertThat(payloads(second.merge(received))).containsExactly("z");
    }
}
