package io.ringkv.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringkv.ring.NodeId;
import io.ringkv.ring.partition.Member;
import java.util.List;
import org.junit.jupiter.api.Test;

class SeedListTest {
    @Test
    void parsesIdsHostsPortsAndWeightsWithClusterPortsAtTheOffset() {
        List<Member> m = SeedList.parse(" n1@127.0.0.1:7001, n2@node2:6379/2 ,", 10000);
        assertThat(m).containsExactly(new Member(new NodeId("n1"), "127.0.0.1", 7001, 17001, 1),
                new Member(new NodeId("n2"), "node2", 6379, 16379, 2));
    }

    @Test
    void rejectsMalformedEntriesDuplicateIdsAndPortsWhoseClusterPortOverflows() {
        assertThatThrownBy(() -> SeedList.parse("127.0.0.1:7001", 10000)).hasMessageContaining("id@host:port");
        assertThatThrownBy(() -> SeedList.parse("n1@h:x", 10000)).hasMessageContaining("not a number");
        assertThatThrownBy(() -> SeedList.parse("n1@h:1,n1@h:2", 10000)).hasMessageContaining("twice");
        assertThatThrownBy(() -> SeedList.parse("n1@h:60000", 10000)).hasMessageContaining("out of range");
    }

    @Test
    void peerAddressOverridesMapIdsToHostAndPort() {
        var m = SeedList.parseAddresses("n2=127.0.0.1:20002, n3=proxy:20003");
        assertThat(m.get(new NodeId("n2"))).containsExactly("127.0.0.1", "20002");
        assertThat(m.get(new NodeId("n3"))).containsExactly("proxy", "20003");
        assertThatThrownBy(() -> SeedList.parseAddresses("n2:1")).hasMessageContaining("id=host:port");
    }
}
