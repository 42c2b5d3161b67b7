package io.ringkv.ring.transport.netty;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Turns a handler's outcome into the response frame that carries it. */
final class Replies {
    private static final byte[] EMPTY = new byte[0];

    private Replies() {
    }

    /** {@code result} must be done. */
    static OutboundFrame of(long requestId, int verbCode, CompletableFuture<byte[]> result, int payloadBytesMax) {
        try {
            return of(requestId, verbCode, result.getNow(null), null, payloadBytesMax);
        } catch (CompletionException | CancellationException e) {
            return of(requestId, verbCode, null, e, payloadBytesMax);
        }
    }

    static OutboundFrame of(long requestId, int verbCode, byte[] reply, Throwable failure, int payloadBytesMax) {
        if (failure != null) {
            return error(requestId, verbCode, messageOf(failure));
        }
        byte[] payload = reply == null ? EMPTY : reply;
        if (payload.length > payloadBytesMax) {
            return error(requestId, verbCode, "reply of " + payload.length + " bytes exceeds the frame limit of "
                    + payloadBytesMax + " payload bytes");
        }
        return new OutboundFrame(WireProtocol.KIND_RESPONSE, requestId, verbCode, payload);
    }

    static OutboundFrame error(long requestId, int verbCode, String message) {
        String cut = message.length() > WireProtocol.ERROR_MESSAGE_CHARS_MAX
                ? message.substring(0, WireProtocol.ERROR_MESSAGE_CHARS_MAX)
                : message;
        return new OutboundFrame(WireProtocol.KIND_ERROR, requestId, verbCode, cut.getBytes(StandardCharsets.UTF_8));
    }

    /** The failure's own message, looking through the wrappers futures add. */
    static String messageOf(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage();
        return message != null ? message : t.getClass().getName();
    }
}
