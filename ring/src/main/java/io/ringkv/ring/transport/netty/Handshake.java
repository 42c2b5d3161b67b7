package io.ringkv.ring.transport.netty;

import io.ringkv.ring.NodeId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The mutual challenge-response that opens every inter-node connection, proving to each side
 * that the other holds the cluster secret and telling each the other's node id:
 *
 * <pre>
 *   server -> client  auth-challenge  serverNonce[32]
 *   client -> server  auth-response   u8 idLength, clientId, clientNonce[32],
 *                                     HMAC-SHA256(secret, serverNonce || clientId)
 *   server -> client  auth-ok         u8 idLength, serverId,
 *                                     HMAC-SHA256(secret, clientNonce || serverId)
 * </pre>
 *
 * The server answers (and so produces a MAC over a nonce of the client's choosing) only after
 * the client proved itself. Fresh nonces on both sides defeat replay of an old handshake.
 * Nothing here protects the traffic after the handshake (no encryption, no channel binding): a
 * man in the middle could relay a handshake; mutual TLS is the planned answer to that.
 *
 * <p><b>An empty secret makes the cluster unauthenticated</b>: the MAC is keyed with a fixed,
 * public key, so anyone who can reach the cluster port can join. The handshake still runs so
 * that node ids are exchanged the same way.
 *
 * <p>Thread-safe: a new {@link Mac} per computation; {@link SecureRandom} is thread-safe.
 */
public final class Handshake {
    public static final int NONCE_BYTES = 32;
    public static final int MAC_BYTES = 32;
    private static final String MAC_ALGORITHM = "HmacSHA256";
    /** Key used when the cluster secret is empty; public by design (see class comment). */
    private static final String UNAUTHENTICATED_KEY = "ringkv-unauthenticated-cluster";

    private final NodeId self;
    private final SecretKeySpec key;
    private final SecureRandom random;

    public Handshake(NodeId self, byte[] clusterSecret, SecureRandom random) {
        this.self = self;
        byte[] keyBytes = clusterSecret.length == 0 ? UNAUTHENTICATED_KEY.getBytes(StandardCharsets.US_ASCII) : clusterSecret.clone();
        this.key = new SecretKeySpec(keyBytes, MAC_ALGORITHM);
        this.random = random;
        newMac(); // fail at construction, not at the first connection, if HMAC is unavailable
    }

    public NodeId self() {
        return self;
    }

    public byte[] newNonce() {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        return nonce;
    }

    /** HMAC-SHA256(secret, nonce || node id bytes). */
    public byte[] mac(byte[] nonce, NodeId node) {
        Mac mac = newMac();
        mac.update(nonce);
        mac.update(node.id().getBytes(StandardCharsets.US_ASCII));
        return mac.doFinal();
    }

    /** The client's answer to {@code serverNonce}, carrying {@code clientNonce} for the server to sign. */
    public byte[] authResponse(byte[] serverNonce, byte[] clientNonce) {
        byte[] id = self.id().getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(1 + id.length + NONCE_BYTES + MAC_BYTES)
                .put((byte) id.length).put(id).put(clientNonce).put(mac(serverNonce, self))
                .array();
    }

    /** The server's reply once the client is verified, proving the server to the client. */
    public byte[] authOk(byte[] clientNonce) {
        byte[] id = self.id().getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(1 + id.length + MAC_BYTES)
                .put((byte) id.length).put(id).put(mac(clientNonce, self))
                .array();
    }

    /** Constant-time check of the client's MAC over the nonce this server sent. */
    public boolean verifyClient(byte[] serverNonce, AuthResponse response) {
        return MessageDigest.isEqual(mac(serverNonce, response.nodeId()), response.mac());
    }

    /** Constant-time check of the server's MAC over the nonce this client sent. */
    public boolean verifyServer(byte[] clientNonce, AuthOk ok) {
        return MessageDigest.isEqual(mac(clientNonce, ok.nodeId()), ok.mac());
    }

    /** @throws IllegalArgumentException if the payload is not a nonce */
    public static byte[] parseChallenge(byte[] payload) {
        if (payload.length != NONCE_BYTES) {
            throw new IllegalArgumentException("auth-challenge of " + payload.length + " bytes, expected " + NONCE_BYTES);
        }
        return payload;
    }

    /** @throws IllegalArgumentException if the payload is malformed */
    public static AuthResponse parseAuthResponse(byte[] payload) {
        ByteBuffer in = ByteBuffer.wrap(payload);
        NodeId node = readNodeId(in, payload.length, NONCE_BYTES + MAC_BYTES);
        byte[] clientNonce = new byte[NONCE_BYTES];
        in.get(clientNonce);
        byte[] mac = new byte[MAC_BYTES];
        in.get(mac);
        return new AuthResponse(node, clientNonce, mac);
    }

    /** @throws IllegalArgumentException if the payload is malformed */
    public static AuthOk parseAuthOk(byte[] payload) {
        ByteBuffer in = ByteBuffer.wrap(payload);
        NodeId node = readNodeId(in, payload.length, MAC_BYTES);
        byte[] mac = new byte[MAC_BYTES];
        in.get(mac);
        return new AuthOk(node, mac);
    }

    private static NodeId readNodeId(ByteBuffer in, int payloadBytes, int trailerBytes) {
        if (payloadBytes < 1) {
            throw new IllegalArgumentException("empty handshake payload");
        }
        int idBytes = in.get() & 0xFF;
        if (payloadBytes != 1 + idBytes + trailerBytes) {
            throw new IllegalArgumentException("handshake payload of " + payloadBytes + " bytes, expected " + (1 + idBytes + trailerBytes));
        }
        byte[] id = new byte[idBytes];
        in.get(id);
        return new NodeId(new String(id, StandardCharsets.US_ASCII)); // validates the characters
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance(MAC_ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java 17 runtime provides " + MAC_ALGORITHM, e);
        }
    }

    public record AuthResponse(NodeId nodeId, byte[] clientNonce, byte[] mac) {
    }

    public record AuthOk(NodeId nodeId, byte[] mac) {
    }
}
