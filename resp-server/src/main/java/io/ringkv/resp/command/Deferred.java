package io.ringkv.resp.command;

import io.ringkv.resp.protocol.RespWriter;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A reply that is not ready when its command returns: the future of the cluster operation and
 * how to write its result. The connection keeps it in order among the replies it owes.
 */
public final class Deferred<T> {
    /** Writes one reply from a result. */
    @FunctionalInterface
    public interface Renderer<T> {
        void render(T value, RespWriter out);
    }

    private final CompletableFuture<T> future;
    private final Renderer<T> renderer;

    Deferred(CompletableFuture<T> future, Renderer<T> renderer) {
        this.future = future;
        this.renderer = renderer;
    }

    public CompletableFuture<T> future() {
        return future;
    }

    /** Writes the reply; call once the future is complete. */
    public void render(RespWriter out) {
        render(out, future, renderer);
    }

    static <T> void render(RespWriter out, CompletableFuture<T> f, Renderer<T> render) {
        T value;
        try {
            value = f.get();
        } catch (ExecutionException | CompletionException e) {
            out.error(RedisErrors.forFailure(e.getCause() != null ? e.getCause() : e));
            return;
        } catch (CancellationException e) {
            out.error(RedisErrors.forFailure(e));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.error(RedisErrors.forFailure(e));
            return;
        }
        int mark = out.buffer().writerIndex();
        try {
            render.render(value, out);
        } catch (RuntimeException e) {
            out.buffer().writerIndex(mark);
            out.error(RedisErrors.forFailure(e));
        }
    }
}
