package io.ringkv.ring.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.ring.NodeId;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PhiAccrualFailureDetectorTest {
    private static final NodeId A = new NodeId("a");

    private static PhiAccrualSettings settings(int window, long minStdDev, long pause) {
        return new PhiAccrualSettings(8.0, window, minStdDev, pause, 1000);
    }

    /** Heartbeats every {@code interval} ms from 0 to {@code count} beats; returns the last beat's time. */
    private static long steady(PhiAccrualFailureDetector fd, long interval, int count) {
        long t = 0;
        for (int i = 0; i < count; i++) {
            t = i * interval;
            fd.heartbeat(A, t);
        }
        return t;
    }

    @Test
    void aNodeNeverHeardFromHasPhiZeroAndCountsAsAvailable() {
        PhiAccrualFailureDetector fd = new PhiAccrualFailureDetector(PhiAccrualSettings.defaults());
        assertEquals(0.0, fd.phi(A, 123_456));
        assertTrue(fd.isAvailable(A, 123_456));
        assertFalse(fd.isMonitoring(A));
    }

    @Test
    void phiRisesMonotonicallyWithSilence() {
        PhiAccrualFailureDetector fd = new PhiAccrualFailureDetector(settings(1000, 100, 0));
        long last = steady(fd, 1000, 50);
        double previous = -1;
        for (long silence = 0; silence <= 5000; silence += 250) {
            double phi = fd.phi(A, last + silence);
            assertTrue(phi >= previous, "phi fell from " + previous + " to " + phi + " at " + silence + " ms of silence");
            previous = phi;
        }
        assertTrue(fd.phi(A, last + 500) < 1, "half an interval late is not suspicious");
        assertTrue(fd.phi(A, last + 5000) > 8, "five intervals of silence convict");
        assertFalse(fd.isAvailable(A, last + 5000));
    }

    @Test
    void steadyHeartbeatsKeepPhiLowAtEveryArrival() {
        PhiAccrualFailureDetector fd = new PhiAccrualFailureDetector(PhiAccrualSettings.defaults());
        for (int i = 0; i < 2000; i++) {
            long t = i * 1000L;
            assertTrue(fd.phi(A, t) < 1, "phi at beat " + i + " is " + fd.phi(A, t));
            fd.heartbeat(A, t);
        }
    }

    @Test
    void theAcceptablePauseDelaysConviction() {
        PhiAccrualFailureDetector strict = new PhiAccrualFailureDetector(settings(1000, 100, 0));
        PhiAccrualFailureDetector tolerant = new PhiAccrualFailureDetector(settings(1000, 100, 3000));
        long last = steady(strict, 1000, 30);
        steady(tolerant, 1000, 30);
        assertFalse(strict.isAvailable(A, last + 3000));
        assertTrue(tolerant.isAvailable(A, last + 3000));
        assertFalse(tolerant.isAvailable(A, last + 6000));
    }

    @Test
    void jitteryIntervalsWidenTheTolerance() {
        PhiAccrualFailureDetector regular = new PhiAccrualFailureDetector(settings(1000, 10, 0));
        PhiAccrualFailureDetector jittery = new PhiAccrualFailureDetector(settings(1000, 10, 0));
        SplittableRandom random = new SplittableRandom(7);
        long lastRegular = 0;
        long lastJittery = 0;
        for (int i = 0; i < 500; i++) {
            lastRegular = i * 1000L;
            regular.heartbeat(A, lastRegular);
            lastJittery += i == 0 ? 0 : 500 + random.nextLong(1001); // mean 1000, spread +-500
            jittery.heartbeat(A, lastJittery);
        }
        assertTrue(regular.phi(A, lastRegular + 1800) > 8, "regular beats: 1.8 s of silence is damning");
        assertTrue(jittery.phi(A, lastJittery + 1800) < 8, "jittery beats: 1.8 s of silence is within the spread");
    }

    @Test
    void theWindowIsBounded() {
        PhiAccrualFailureDetector fd = new PhiAccrualFailureDetector(settings(100, 10, 0));
        steady(fd, 1000, 5000);
        assertEquals(100, fd.sampleCount(A));
        assertEquals(1000.0, fd.meanIntervalMillis(A), 1e-9);
    }

    @Test
    void theWindowForgetsAnOldRhythm() {
        PhiAccrualFailureDetector fd = new PhiAccrualFailureDetector(settings(50, 10, 0));
        long t = 0;
        for (int i = 0; i < 100; i++) {
            fd.heartbeat(A, t);
            t += 1000;
        }
        for (int i = 0; i < 100; i++) {
            fd.heartbeat(A, t);
            t += 200;
        }
        assertEquals(200.0, fd.meanIntervalMillis(A), 1e-9);
    }

    @Test
    void anIntervalEndingInConvictionIsNotRecorded() {
        PhiAccrualFailureDetector fd = new PhiAccrualFailureDetector(settings(1000, 100, 0));
        long last = steady(fd, 1000, 20);
        int samples = fd.sampleCount(A);
        fd.heartbeat(A, last + 60_000); // back after a minute's outage
        assertEquals(samples, fd.sampleCount(A));
        assertTrue(fd.isAvailable(A, last + 60_000 + 1000), "the outage did not stretch the expected rhythm");
        assertFalse(fd.isAvailable(A, last + 60_000 + 6000));
    }

    @Test
    void removeForgetsTheHistory() {
        PhiAccrualFailureDetector fd = new PhiAccrualFailureDetector(PhiAccrualSettings.defaults());
        steady(fd, 1000, 10);
        fd.remove(A);
        assertFalse(fd.isMonitoring(A));
        assertEquals(0.0, fd.phi(A, 1_000_000));
    }

    @Test
    void phiFormulaMatchesTheNormalTail() {
        // At the mean, P(later) = 1/2: phi = log10(2).
        assertEquals(Math.log10(2), PhiAccrualFailureDetector.phi(1000, 1000, 100), 1e-3);
        // Two standard deviations past the mean: P ~ 0.02275, phi ~ 1.643.
        assertEquals(1.643, PhiAccrualFailureDetector.phi(1200, 1000, 100), 0.01);
    }
}
