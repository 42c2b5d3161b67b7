package io.ringkv.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.resp.config.ConfigParam;
import io.ringkv.resp.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** config/ringkv.yaml documents every key, with the default the code uses. */
class ExampleConfigTest {
    private static final Path EXAMPLE = Path.of("..", "config", "ringkv.yaml");

    @Test
    void exampleConfigLoadsAndStatesEveryDefault() throws Exception {
        assertThat(Files.exists(EXAMPLE)).as("config/ringkv.yaml exists").isTrue();
        ServerConfig loaded = new ServerConfig();
        ConfigLoader.load(EXAMPLE, loaded);
        ServerConfig defaults = new ServerConfig();
        for (ConfigParam p : ServerConfig.PARAMS) {
            assertThat(loaded.isExplicit(p.name())).as("%s is in config/ringkv.yaml", p.name()).isTrue();
            assertThat(loaded.get(p.name())).as("default of %s", p.name()).isEqualTo(defaults.get(p.name()));
        }
    }

    @Test
    void memorySizesFollowRedisUnits() {
        assertThat(ConfigParam.parseBytes("1k")).isEqualTo(1000);
        assertThat(ConfigParam.parseBytes("1kb")).isEqualTo(1024);
        assertThat(ConfigParam.parseBytes("512mb")).isEqualTo(512L * 1024 * 1024);
        assertThat(ConfigParam.parseBytes("2g")).isEqualTo(2_000_000_000L);
        assertThat(ConfigParam.parseBytes("77")).isEqualTo(77);
    }
}
