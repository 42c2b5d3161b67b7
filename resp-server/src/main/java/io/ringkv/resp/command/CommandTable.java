package io.ringkv.resp.command;

import io.ringkv.resp.protocol.Request;
import io.ringkv.resp.protocol.RespWriter;
import io.ringkv.storage.StorageException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command table and dispatcher: finds a request's command (and subcommand), checks arity
 * and authentication in Redis's order, and runs the handler. The same table answers COMMAND
 * and will route reads and writes for the coordinator.
 */
public final class CommandTable {
    private static final Logger log = LoggerFactory.getLogger(CommandTable.class);

    private final Map<String, CommandSpec> commands = new LinkedHashMap<>();
    /**
     * Open-addressed index by ASCII-case-folded name bytes, so dispatch finds a command without
     * allocating a String per request. Rebuilt on register (start-up only).
     */
    private CommandSpec[] index = new CommandSpec[0];
    private byte[][] indexNames = new byte[0][];
    private Router router;

    /** Installs the cluster router (at start-up, once the node's context exists). */
    public void router(Router r) {
        this.router = r;
    }

    /**
     * The keys a request touches, for ordering a connection's concurrent commands; null when
     * it has none or is not a known keyed command (such a request waits for all before it).
     */
    public List<byte[]> keysOf(Request req) {
        CommandSpec spec = lookup(req.arg(0));
        int offset = 0;
        if (spec != null && spec.name().equals("cl") && req.argc() > 2) {
            offset = 2;
            spec = lookup(req.arg(2));
        }
        if (spec == null || spec.isContainer() || !spec.arityAccepts(req.argc() - offset)) {
            return null;
        }
        int[] positions = Router.keyPositions(spec, req.argc() - offset);
        if (positions.length == 0) {
            return null;
        }
        List<byte[]> keys = new ArrayList<>(positions.length);
        for (int p : positions) {
            if (p + offset >= req.argc()) {
                return null;
            }
            keys.add(req.arg(p + offset));
        }
        return keys;
    }

    public CommandTable register(CommandSpec spec) {
        if (commands.putIfAbsent(spec.name(), spec) != null) {
            throw new IllegalStateException("command registered twice: " + spec.name());
        }
        rebuildIndex();
        return this;
    }

    private void rebuildIndex() {
        int size = Integer.highestOneBit(Math.max(16, commands.size() * 4)) * 2;
        CommandSpec[] specs = new CommandSpec[size];
        byte[][] names = new byte[size][];
        for (CommandSpec c : commands.values()) {
            byte[] n = c.name().getBytes(StandardCharsets.US_ASCII);
            int i = foldedHash(n) & (size - 1);
            while (specs[i] != null) {
                i = (i + 1) & (size - 1);
            }
            specs[i] = c;
            names[i] = n;
        }
        index = specs;
        indexNames = names;
    }

    private static int foldedHash(byte[] b) {
        int h = 0;
        for (byte x : b) {
            h = 31 * h + (x >= 'A' && x <= 'Z' ? x + 32 : x);
        }
        return h ^ (h >>> 16);
    }

    /** Finds a top-level command by its name as sent, ignoring ASCII case. */
    public CommandSpec lookup(byte[] name) {
        CommandSpec[] specs = index;
        byte[][] names = indexNames;
        int mask = specs.length - 1;
        for (int i = foldedHash(name) & mask; specs[i] != null; i = (i + 1) & mask) {
            if (equalsFolded(names[i], name)) {
                return specs[i];
            }
        }
        return null;
    }

    private static boolean equalsFolded(byte[] lower, byte[] any) {
        if (lower.length != any.length) {
            return false;
        }
        for (int i = 0; i < lower.length; i++) {
            int c = any[i];
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != lower[i]) {
                return false;
            }
        }
        return true;
    }

    public CommandSpec lookup(String lowerName) {
        return commands.get(lowerName);
    }

    public Collection<CommandSpec> all() {
        return Collections.unmodifiableCollection(commands.values());
    }

    public int size() {
        return commands.size();
    }

    /** Runs one request, writing exactly one reply. */
    public void dispatch(CommandContext ctx, Request req, RespWriter out) {
        CommandSpec spec = lookup(req.arg(0));
        if (spec == null) {
            out.error(RedisErrors.unknownCommand(req.arg(0), req.args().subList(1, req.argc())));
            return;
        }
        if (spec.isContainer() && !(req.argc() == 1 && spec.handler() != null)) {
            if (req.argc() < 2) {
                out.error(RedisErrors.wrongArity(spec.fullName()));
                return;
            }
            CommandSpec sub = spec.subcommands().get(Args.lower(req.arg(1)));
            if (sub == null) {
                out.error(RedisErrors.unknownSubcommand(req.arg(1), req.arg(0)));
                return;
            }
            spec = sub;
        }
        if (!spec.arityAccepts(req.argc())) {
            out.error(RedisErrors.wrongArity(spec.fullName()));
            return;
        }
        if (!ctx.authenticated() && !spec.has(CommandFlag.NO_AUTH)) {
            out.error(RedisErrors.NOAUTH);
            return;
        }
        ctx.lastCommand(spec.fullName());
        ctx.server().commandsProcessed().increment();
        // A handler that fails may have written part of its reply; roll the buffer back so the
        // client gets exactly one well-formed error and the connection stays usable.
        int mark = out.buffer().writerIndex();
        try {
            if (router != null && spec.firstKey() > 0 && router.route(ctx, spec, req, out)) {
                return;
            }
            spec.handler().execute(ctx, req, out);
        } catch (StorageException e) {
            log.error("storage failure running {}", spec.fullName(), e);
            ctx.takeDeferred();
            out.buffer().writerIndex(mark);
            out.error(RedisErrors.storageFailure(e.getMessage()));
        } catch (RuntimeException e) {
            log.error("internal error running {}", spec.fullName(), e);
            ctx.takeDeferred();
            out.buffer().writerIndex(mark);
            out.error(RedisErrors.internalError(e));
        }
    }
}
