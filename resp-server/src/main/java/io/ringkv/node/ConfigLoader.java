package io.ringkv.node;

import io.ringkv.resp.config.ServerConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** Reads a YAML config file into a {@link ServerConfig}; nested maps become dotted keys. */
public final class ConfigLoader {
    private ConfigLoader() {}

    public static void load(Path file, ServerConfig config) throws IOException {
        Object doc;
        try (Reader r = Files.newBufferedReader(file)) {
            doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
        }
        if (doc == null) {
            return;
        }
        if (!(doc instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(file + ": top level must be a mapping of configuration keys");
        }
        Map<String, String> flat = new LinkedHashMap<>();
        flatten("", map, flat);
        for (Map.Entry<String, String> e : flat.entrySet()) {
            try {
                config.setInitial(e.getKey(), e.getValue());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(file + ": " + e.getKey() + ": " + ex.getMessage(), ex);
            }
        }
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, String> out) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = prefix + e.getKey();
            Object v = e.getValue();
            if (v instanceof Map<?, ?> nested) {
                flatten(key + ".", nested, out);
            } else if (v instanceof Boolean b) {
                out.put(key, b ? "yes" : "no");
            } else {
                out.put(key, v == null ? "" : v.toString());
            }
        }
    }
}
