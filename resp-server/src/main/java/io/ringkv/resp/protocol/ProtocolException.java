package io.ringkv.resp.protocol;

/**
 * A request that breaks the protocol. Like Redis, the server answers with {@link #getMessage()}
 * (already in Redis's words, e.g. "ERR Protocol error: invalid bulk length") and then closes the
 * connection, unless {@link #replyBeforeClose()} is false (query buffer overflow: Redis closes
 * without a reply).
 */
public final class ProtocolException extends Exception {
    private final boolean replyBeforeClose;

    public ProtocolException(String message, boolean replyBeforeClose) {
        super(message, null, false, false);
        this.replyBeforeClose = replyBeforeClose;
    }

    public boolean replyBeforeClose() {
        return replyBeforeClose;
    }
}
