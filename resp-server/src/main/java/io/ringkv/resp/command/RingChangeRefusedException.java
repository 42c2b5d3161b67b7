package io.ringkv.resp.command;

/** A ring change that could not be made, answered as {@code -ERR <reason>}. */
public final class RingChangeRefusedException extends RuntimeException {
    public RingChangeRefusedException(String reason) {
        super(reason);
    }
}
