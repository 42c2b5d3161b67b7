package io.ringkv.ring.transport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.netty.util.ResourceLeakDetector;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.LoggerFactory;

/** Test settings shared by the transport tests: leak detection, quiet logs, bounded waits. */
final class TransportTestSupport {
    /** Longest any test waits for an asynchronous event on real sockets. */
    static final Duration WAIT_MAX = Duration.ofSeconds(5);

    private TransportTestSupport() {
    }

    /** Every buffer is tracked, so a leak is reported with its access points. */
    static void paranoidLeakDetectionAndQuietLogs() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        // The ring module has no logback-test.xml; without this Netty logs at DEBUG.
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
        ((Logger) LoggerFactory.getLogger("io.netty")).setLevel(Level.WARN);
    }

    /**
     * Waits for a condition that real sockets make true asynchronously (a peer noticing a
     * closed connection). Polls; fails after {@link #WAIT_MAX}.
     */
    static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadlineNanos = System.nanoTime() + WAIT_MAX.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadlineNanos > 0) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(2);
        }
    }
}
