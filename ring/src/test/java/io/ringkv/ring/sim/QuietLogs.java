package io.ringkv.ring.sim;

import org.slf4j.LoggerFactory;

/**
 * Raises the level of RingKV's loggers to ERROR while simulations run, and restores it after:
 * membership logs every peer going down and up, which thousands of runs with crashes and
 * partitions would turn into hundreds of thousands of lines. Does nothing when the logging
 * backend is not Logback.
 */
final class QuietLogs implements AutoCloseable {
    private static final String LOGGER = "io.ringkv";

    private final Object previousLevel;

    private QuietLogs(Object previousLevel) {
        this.previousLevel = previousLevel;
    }

    static QuietLogs install() {
        if (!(LoggerFactory.getLogger(LOGGER) instanceof ch.qos.logback.classic.Logger logger)) {
            return new QuietLogs(null);
        }
        QuietLogs q = new QuietLogs(logger.getLevel());
        logger.setLevel(ch.qos.logback.classic.Level.ERROR);
        return q;
    }

    @Override
    public void close() {
        if (LoggerFactory.getLogger(LOGGER) instanceof ch.qos.logback.classic.Logger logger) {
            logger.setLevel((ch.qos.logback.classic.Level) previousLevel);
        }
    }
}
