package io.ringkv.ring.transport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringkv.ring.NodeId;
import io.ringkv.ring.transport.netty.Handshake;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The challenge-response of {@link Handshake}, without sockets. */
class HandshakeTest {
    private static final NodeId CLIENT = new NodeId("n1");
    private static final NodeId SERVER = new NodeId("n2");
    private final SecureRandom random = new SecureRandom();

    private Handshake node(NodeId id, String secret) {
        return new Handshake(id, secret.getBytes(UTF_8), random);
    }

    @Test
    void nodesSharingTheSecretProveThemselvesToEachOther() {
        Handshake client = node(CLIENT, "s3cret");
        Handshake server = node(SERVER, "s3cret");
        byte[] serverNonce = server.newNonce();
        byte[] clientNonce = client.newNonce();

        Handshake.AuthResponse response = Handshake.parseAuthResponse(client.authResponse(serverNonce, clientNonce));
        Handshake.AuthOk ok = Handshake.parseAuthOk(server.authOk(response.clientNonce()));

        assertThat(response.nodeId()).isEqualTo(CLIENT);
        assertThat(server.verifyClient(serverNonce, response)).isTrue();
        assertThat(ok.nodeId()).isEqualTo(SERVER);
        assertThat(client.verifyServer(clientNonce, ok)).isTrue();
    }

    @Test
    void clientWithAnotherSecretIsNotVerified() {
        Handshake server = node(SERVER, "s3cret");
        byte[] serverNonce = server.newNonce();
        byte[] answer = node(CLIENT, "guess").authResponse(serverNonce, server.newNonce());

        assertThat(server.verifyClient(serverNonce, Handshake.parseAuthResponse(answer))).isFalse();
    }

    @Test
    void serverWithAnotherSecretIsNotVerifiedByTheClient() {
        Handshake client = node(CLIENT, "s3cret");
        byte[] clientNonce = client.newNonce();
        byte[] ok = node(SERVER, "impostor").authOk(clientNonce);

        assertThat(client.verifyServer(clientNonce, Handshake.parseAuthOk(ok))).isFalse();
    }

    @Test
    void answerReplayedAgainstAnotherChallengeOrNodeIdIsNotVerified() {
        Handshake server = node(SERVER, "s3cret");
        byte[] firstNonce = server.newNonce();
        Handshake.AuthResponse answer = Handshake.parseAuthResponse(node(CLIENT, "s3cret").authResponse(firstNonce, server.newNonce()));
        Handshake.AuthResponse claimingOtherId = new Handshake.AuthResponse(new NodeId("n3"), answer.clientNonce(), answer.mac());

        assertThat(server.verifyClient(server.newNonce(), answer)).isFalse();
        assertThat(server.verifyClient(firstNonce, claimingOtherId)).isFalse();
    }

    @Test
    void emptySecretStillExchangesNodeIds() {
        Handshake client = new Handshake(CLIENT, new byte[0], random);
        Handshake server = new Handshake(SERVER, new byte[0], random);
        byte[] serverNonce = server.newNonce();

        Handshake.AuthResponse response = Handshake.parseAuthResponse(client.authResponse(serverNonce, client.newNonce()));

        assertThat(server.verifyClient(serverNonce, response)).isTrue();
        assertThat(response.nodeId()).isEqualTo(CLIENT);
    }

    @Test
    void malformedHandshakePayloadsAreRejected() {
        byte[] valid = node(CLIENT, "s").authResponse(new byte[Handshake.NONCE_BYTES], new byte[Handshake.NONCE_BYTES]);

        assertThatThrownBy(() -> Handshake.parseAuthResponse(Arrays.copyOf(valid, valid.length - 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Handshake.parseAuthResponse(new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Handshake.parseAuthOk(valid)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Handshake.parseChallenge(new byte[5])).isInstanceOf(IllegalArgumentException.class);
    }
}
