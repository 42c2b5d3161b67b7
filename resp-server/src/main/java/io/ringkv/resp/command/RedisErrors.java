package io.ringkv.resp.command;

/**
 * Every error text RingKV sends, in one place, word for word as Redis 7 sends it (clients and
 * scripts match on these). RingKV's own errors keep Redis's conventions: an upper-case code,
 * then a sentence.
 */
public final class RedisErrors {
    private RedisErrors() {}

    public static final String SYNTAX = "ERR syntax error";
    public static final String NOT_INTEGER = "ERR value is not an integer or out of range";
    public static final String NOT_FLOAT = "ERR value is not a valid float";
    public static final String WRONG_TYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
    public static final String OVERFLOW = "ERR increment or decrement would overflow";
    public static final String DECR_OVERFLOW = "ERR decrement would overflow";
    public static final String NAN_OR_INFINITY = "ERR increment would produce NaN or Infinity";
    public static final String NO_SUCH_KEY = "ERR no such key";
    public static final String OFFSET_OUT_OF_RANGE = "ERR offset is out of range";
    public static final String STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    public static final String INVALID_CURSOR = "ERR invalid cursor";
    public static final String NOAUTH = "NOAUTH Authentication required.";
    public static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";
    public static final String AUTH_WITHOUT_PASSWORD =
            "ERR AUTH <password> called without any password configured for the default user. "
                    + "Are you sure your configuration is correct?";
    public static final String NOPROTO = "NOPROTO unsupported protocol version";
    public static final String HELLO_PROTO_NOT_INTEGER = "ERR Protocol version is not an integer or out of range";
    public static final String HELLO_NOAUTH =
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH "
                    + "<user> <pass> option can be used to authenticate the client and select the RESP protocol "
                    + "version at the same time";
    public static final String CLIENT_NAME_INVALID =
            "ERR Client names cannot contain spaces, newlines or special characters.";
    public static final String NO_SUCH_CLIENT = "ERR No such client";
    public static final String INVALID_CLIENT_ID = "ERR Invalid client ID";
    public static final String CLIENT_ID_NOT_POSITIVE = "ERR client-id should be greater than 0";
    public static final String CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
    public static final String SELECT_NOT_ALLOWED = "ERR SELECT is not allowed in cluster mode";
    public static final String EXPIRE_NX_CONFLICT = "ERR NX and XX, GT or LT options at the same time are not compatible";
    public static final String EXPIRE_GT_LT_CONFLICT = "ERR GT and LT options at the same time are not compatible";
    public static final String MAX_CLIENTS = "ERR max number of clients reached";
    public static final String PROTECTED_MODE =
            "DENIED Redis is running in protected mode because protected mode is enabled and no password is set "
                    + "for the default user. In this mode connections are only accepted from the loopback interface. "
                    + "If you want to connect from external computers to RingKV you may adopt one of the following "
                    + "solutions: 1) Set a password with the requirepass configuration key. 2) Bind to an explicit "
                    + "address with --bind. 3) Disable protected mode with --protected-mode no.";

    public static final String STANDALONE_RING = "ERR this node runs standalone (no seeds): ring changes and repair need a cluster";
    public static final String INVALID_PARTITION = "ERR invalid partition";

    /** A ring change the ring manager refused, with its reason. */
    public static String ringChangeRefused(String reason) {
        return "ERR " + reason;
    }

    public static String wrongArity(String fullName) {
        return "ERR wrong number of arguments for '" + fullName + "' command";
    }

    public static String invalidExpireTime(String fullName) {
        return "ERR invalid expire time in '" + fullName + "' command";
    }

    public static String unsupportedExpireOption(String option) {
        return "ERR Unsupported option " + option;
    }

    /**
     * Redis's text for an unknown subcommand, as bytes: the subcommand is the client's, cut like
     * C's {@code %.128s} and not necessarily UTF-8.
     */
    public static byte[] unknownSubcommand(byte[] sub, byte[] command) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.writeBytes(ascii("ERR unknown subcommand '"));
        b.writeBytes(cBytes(sub, 128));
        b.writeBytes(ascii("'. Try "));
        byte[] upper = cBytes(command, Integer.MAX_VALUE);
        for (int i = 0; i < upper.length; i++) {
            if (upper[i] >= 'a' && upper[i] <= 'z') {
                upper[i] -= 32;
            }
        }
        b.writeBytes(upper);
        b.writeBytes(ascii(" HELP."));
        return b.toByteArray();
    }

    /**
     * Redis's text for an unknown command, as bytes (names and arguments are the client's and
     * need not be UTF-8): the name, then the arguments while fewer than 128 bytes have been
     * written. Redis formats them with C's {@code %.*s}, so each stops at its first NUL byte
     * and is cut to the bytes still allowed.
     */
    public static byte[] unknownCommand(byte[] name, java.util.List<byte[]> args) {
        java.io.ByteArrayOutputStream sb = new java.io.ByteArrayOutputStream();
        for (byte[] a : args) {
            if (sb.size() >= 128) {
                break;
            }
            int room = 128 - sb.size(); // measured before the opening quote, as Redis does
            sb.write('\'');
            sb.writeBytes(cBytes(a, room));
            sb.write('\'');
            sb.write(' ');
        }
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.writeBytes(ascii("ERR unknown command '"));
        b.writeBytes(cBytes(name, 128));
        b.writeBytes(ascii("', with args beginning with: "));
        b.writeBytes(sb.toByteArray());
        return b.toByteArray();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** For Redis features RingKV does not offer yet: a clear error, never a silent success. */
    public static String notSupported(String commandUpper, String why) {
        return "ERR " + commandUpper + " is not supported by RingKV yet (" + why + ")";
    }

    public static String unknownConfigParameter(String name) {
        return "ERR Unknown option or number of arguments for CONFIG SET - '" + name + "'";
    }

    /** Redis's getRangeLongFromObjectOrReply without a custom message (e.g. SELECT's int). */
    public static String outOfRange(long min, long max) {
        return "ERR value is out of range, value must between " + min + " and " + max;
    }

    public static String unknownClientType(byte[] type) {
        return "ERR Unknown client type '" + cString(type, Integer.MAX_VALUE) + "'";
    }

    public static String noSuchUser(byte[] user) {
        return "ERR No such user '" + cString(user, Integer.MAX_VALUE) + "'";
    }

    public static String clientSetInfoUnknownOption(byte[] option) {
        return "ERR Unrecognized option '" + cString(option, Integer.MAX_VALUE) + "'";
    }

    public static String clientSetInfoInvalid(String option) {
        return "ERR " + option + " cannot contain spaces, newlines or special characters.";
    }

    public static final String CONFIG_REWRITE_NO_FILE = "ERR The server is running without a config file";
    public static final String NO_SHUTDOWN_IN_PROGRESS = "ERR No shutdown in progress.";
    public static final String INVALID_COMMAND = "ERR Invalid command specified";
    public static final String INVALID_COMMAND_ARITY = "ERR Invalid number of arguments specified for command";
    public static final String COMMAND_HAS_NO_KEYS = "ERR The command has no key arguments";

    /** RingKV's own: the storage engine failed (I/O error, corruption); details are logged. */
    public static String storageFailure(String detail) {
        return "ERR storage failure: " + detail;
    }

    public static String configSetFailed(String name, String why) {
        return "ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + why;
    }

    public static String helloSyntax(String option) {
        return "ERR Syntax error in HELLO option '" + option + "'";
    }

    /** An argument as C's {@code %.<max>s} prints it: up to the first NUL, at most max bytes. */
    private static byte[] cBytes(byte[] b, int max) {
        int n = 0;
        while (n < b.length && n < max && b[n] != 0) {
            n++;
        }
        return java.util.Arrays.copyOf(b, n);
    }

    static String cString(byte[] b, int max) {
        return new String(cBytes(b, max), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A bug in RingKV surfaced to the client instead of dropping its connection. */
    public static String internalError(RuntimeException e) {
        return "ERR internal error: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    public static String unknownConsistencyLevel(String level) {
        return "ERR unknown consistency level '" + level + "' (ANY, ONE, TWO, THREE, QUORUM, ALL)";
    }

    public static final String ANY_NOT_FOR_READS = "ERR ANY is a write consistency level; reads need ONE or more";
    public static final String CL_NESTED = "ERR CL cannot wrap CL";

    public static String invalidContext(String why) {
        return "ERR invalid causal context: " + why;
    }

    /**
     * The reply for an operation that failed: UNAVAILABLE when too few replicas were known to be
     * up (nothing written), TIMEOUT when replicas did not answer in time (a write may have
     * reached some), storage failures, invalid contexts, and otherwise an internal error.
     */
    public static String forFailure(Throwable t) {
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof io.ringkv.ring.UnavailableException) {
            return "UNAVAILABLE " + t.getMessage();
        }
        if (t instanceof RingChangeRefusedException) {
            return ringChangeRefused(t.getMessage());
        }
        if (t instanceof io.ringkv.ring.QuorumTimeoutException) {
            return "TIMEOUT " + t.getMessage();
        }
        if (t instanceof io.ringkv.ring.transport.PeerUnreachableException) {
            return "UNAVAILABLE coordinator not reachable: " + t.getMessage();
        }
        if (t instanceof io.ringkv.ring.transport.OverloadedException) {
            return "UNAVAILABLE coordinator overloaded: " + t.getMessage();
        }
        if (t instanceof io.ringkv.ring.transport.ConnectionLostException) {
            return "TIMEOUT coordinator connection lost before it answered (outcome unknown): " + t.getMessage();
        }
        if (t instanceof io.ringkv.ring.transport.RequestTimeoutException) {
            return "TIMEOUT coordinator did not answer in time: " + t.getMessage();
        }
        if (t instanceof io.ringkv.ring.version.CausalContext.InvalidContextException) {
            return invalidContext(t.getMessage());
        }
        if (t instanceof io.ringkv.storage.StorageException) {
            return storageFailure(t.getMessage());
        }
        if (t instanceof RuntimeException re) {
            return internalError(re);
        }
        return "ERR internal error: " + t;
    }
}
