package io.ringkv.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PacerTest {
    @Test
    void aChargePushesTheNextSendBackByUnitsOverRate() {
        ManualClock clock = new ManualClock(1_000);
        Pacer pacer = new Pacer(clock, 1000);
        assertEquals(0, pacer.waitMillis());
        pacer.charge(500);
        assertEquals(500, pacer.waitMillis());
        clock.advanceMillis(200);
        assertEquals(300, pacer.waitMillis());
        pacer.charge(1000);
        assertEquals(1300, pacer.waitMillis());
    }

    @Test
    void idleTimeBanksNoCredit() {
        ManualClock clock = new ManualClock(1_000);
        Pacer pacer = new Pacer(clock, 1000);
        pacer.charge(100);
        clock.advanceMillis(10_000);
        pacer.charge(2000);
        assertEquals(2000, pacer.waitMillis());
    }

    @Test
    void reserveReturnsTheWaitBeforeTheseUnitsMayGo() {
        ManualClock clock = new ManualClock(1_000);
        Pacer pacer = new Pacer(clock, 2000);
        assertEquals(0, pacer.reserve(1000));
        assertEquals(500, pacer.reserve(1000));
        assertEquals(1000, pacer.waitMillis());
    }

    @Test
    void waitsRoundUpToWholeMilliseconds() {
        ManualClock clock = new ManualClock(1_000);
        Pacer pacer = new Pacer(clock, 3);
        pacer.charge(1);
        assertEquals(334, pacer.waitMillis());
    }

    @Test
    void aRateBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Pacer(new ManualClock(0), 0));
    }
}
