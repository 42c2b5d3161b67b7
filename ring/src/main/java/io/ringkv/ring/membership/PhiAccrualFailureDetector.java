package io.ringkv.ring.membership;

import io.ringkv.ring.NodeId;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The phi-accrual failure detector (Hayashibara et al.), as Akka implements it: per node, the
 * recent heartbeat inter-arrival intervals; phi(now) = -log10(1 - F(now - last heartbeat)),
 * where F is the normal distribution fitted to the intervals (mean shifted by the acceptable
 * pause, standard deviation floored). F is computed with the logistic approximation of the
 * normal CDF that Akka uses (error below 1e-4, no erf needed):
 * {@code F(y) ~ 1 / (1 + exp(-y (1.5976 + 0.070566 y^2)))}.
 *
 * <p>Pure: no clock inside; every call takes the caller's time. Not thread-safe: the gossiper
 * calls it under its own lock.
 *
 * <p>An interval that ends while the node is judged down (phi at or above the threshold) is not
 * recorded: it measures an outage, not the heartbeat rhythm, and would otherwise slow the
 * detection of the next failure for a whole window.
 */
public final class PhiAccrualFailureDetector {
    /** Initial capacity of a node's interval buffer; it grows up to the window size. */
    private static final int INITIAL_CAPACITY = 16;

    private final PhiAccrualSettings settings;
    private final Map<NodeId, History> histories = new HashMap<>();

    public PhiAccrualFailureDetector(PhiAccrualSettings settings) {
        this.settings = settings;
    }

    public PhiAccrualSettings settings() {
        return settings;
    }

    /** Records a heartbeat from {@code node} arriving at {@code nowMillis}. */
    public void heartbeat(NodeId node, long nowMillis) {
        History h = histories.get(node);
        if (h == null) {
            h = new History(settings.sampleWindowSize());
            long estimate = settings.firstHeartbeatEstimateMillis();
            long stdDev = estimate / 4;
            h.add(estimate - stdDev);
            h.add(estimate + stdDev);
            h.lastMillis = nowMillis;
            histories.put(node, h);
            return;
        }
        long interval = nowMillis - h.lastMillis;
        if (interval < 0) {
            return; // an out-of-order call: keep the later arrival
        }
        if (phi(h, nowMillis) < settings.threshold()) {
            h.add(interval);
        }
        h.lastMillis = nowMillis;
    }

    /** Suspicion level of {@code node} now; 0 for a node never heard from. */
    public double phi(NodeId node, long nowMillis) {
        History h = histories.get(node);
        return h == null ? 0.0 : phi(h, nowMillis);
    }

    /** Whether phi is below the threshold (a node never heard from counts as available). */
    public boolean isAvailable(NodeId node, long nowMillis) {
        return phi(node, nowMillis) < settings.threshold();
    }

    /** Whether any heartbeat from {@code node} was recorded (and not removed since). */
    public boolean isMonitoring(NodeId node) {
        return histories.containsKey(node);
    }

    /** Forgets {@code node}'s history (it left, or restarted with a new rhythm). */
    public void remove(NodeId node) {
        histories.remove(node);
    }

    /** Intervals currently remembered for {@code node} (for tests and diagnostics). */
    public int sampleCount(NodeId node) {
        History h = histories.get(node);
        return h == null ? 0 : h.count;
    }

    /** Mean of the remembered intervals, ms (NaN if none). */
    public double meanIntervalMillis(NodeId node) {
        History h = histories.get(node);
        return h == null ? Double.NaN : h.mean();
    }

    private double phi(History h, long nowMillis) {
        long sinceMillis = Math.max(0, nowMillis - h.lastMillis);
        double mean = h.mean() + settings.acceptableHeartbeatPauseMillis();
        double stdDev = Math.max(h.stdDev(), settings.minStdDevMillis());
        return phi(sinceMillis, mean, stdDev);
    }

    /** Akka's formula; written in two branches to keep precision for large and small y. */
    static double phi(double sinceMillis, double mean, double stdDev) {
        double y = (sinceMillis - mean) / stdDev;
        double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
        if (sinceMillis > mean) {
            return -Math.log10(e / (1.0 + e));
        }
        return -Math.log10(1.0 - 1.0 / (1.0 + e));
    }

    /** A bounded ring buffer of intervals with running sums. */
    private static final class History {
        private final int windowSize;
        private long[] intervals;
        private int head;
        private int count;
        private double sum;
        private double sumOfSquares;
        long lastMillis;

        History(int windowSize) {
            this.windowSize = windowSize;
            this.intervals = new long[Math.min(INITIAL_CAPACITY, windowSize)];
        }

        void add(long interval) {
            if (count == windowSize) {
                long old = intervals[head];
                sum -= old;
                sumOfSquares -= (double) old * old;
                intervals[head] = interval;
                head = (head + 1) % windowSize;
            } else {
                if (count == intervals.length) {
                    // Only grows while not full, so head is still 0 and the order is intact.
                    intervals = Arrays.copyOf(intervals, Math.min(windowSize, intervals.length * 2));
                }
                intervals[(head + count) % intervals.length] = interval;
                count++;
            }
            sum += interval;
            sumOfSquares += (double) interval * interval;
        }

        double mean() {
            return sum / count;
        }

        double stdDev() {
            double m = mean();
            return Math.sqrt(Math.max(0, sumOfSquares / count - m * m));
        }
    }
}
