package org.pmult.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typo protection for HOCON configurations: every key under {@code pmult} must be one
 * {@code reference.conf} defines (client keys those of {@code client-defaults}), else the error
 * names it, where it stands, and the closest known key.
 */
final class HoconKnownKeys {

    private static final String ROOT = "pmult";

    private HoconKnownKeys() {
    }

    /** Rejects keys under {@code pmult} that reference.conf does not know, suggesting the closest. */
    static void check(Config user, Config reference) {
        Set<String> topLevel = reference.getObject(ROOT).keySet();
        for (String root : user.root().keySet()) {
            if (!root.equals(ROOT) && topLevel.contains(root)) {
                throw new ConfigException(HoconConfigReader.location(user.root().get(root).origin()).toString(),
                        "key \"" + root + "\" belongs under pmult (write pmult." + root + ")");
            }
        }
        if (!user.hasPath(ROOT)) {
            return;
        }
        ConfigValue pmult = user.getValue(ROOT);
        if (pmult.valueType() != ConfigValueType.OBJECT) {
            throw new ConfigException(HoconConfigReader.location(pmult.origin()).toString(), "pmult: expected an object { ... }");
        }
        for (Map.Entry<String, ConfigValue> entry : user.getConfig(ROOT).entrySet()) {
            List<String> keys = ConfigUtil.splitPath(entry.getKey());
            String unknown = unknownKey(keys, reference);
            if (unknown != null) {
                throw new ConfigException(HoconConfigReader.location(entry.getValue().origin()).toString(), unknown);
            }
        }
    }

    /** Null if {@code keys} (below pmult) is a known key, else the error text. */
    private static String unknownKey(List<String> keys, Config reference) {
        String first = keys.get(0);
        if (first.equals("clients")) {
            if (keys.size() < 3) {
                return "clients." + String.join(".", keys.subList(1, keys.size())) + ": expected an object { url = ..., ... }";
            }
            return unknownClientKey(keys.subList(2, keys.size()), "clients." + keys.get(1) + ".", reference);
        }
        if (first.equals("client-defaults")) {
            return unknownClientKey(keys.subList(1, keys.size()), "client-defaults.", reference);
        }
        if (keys.size() == 3 && first.equals("macros")
                && (keys.get(1).equals("sendmail-names") || keys.get(1).equals("defaults"))) {
            return null;
        }
        return knownIn(reference.getConfig(ROOT), keys, "");
    }

    private static String unknownClientKey(List<String> keys, String shownPrefix, Config reference) {
        if (keys.size() == 2 && keys.get(0).equals("v2-macros")) {
            return MacroStage.fromConfigName(keys.get(1)).isPresent() ? null
                    : "unknown stage \"" + shownPrefix + "v2-macros." + keys.get(1) + "\" (expected: connect, helo, mail, rcpt, data, eoh or eom)";
        }
        return knownIn(reference.getConfig(ROOT + ".client-defaults"), keys, shownPrefix);
    }

    private static String knownIn(Config schema, List<String> keys, String shownPrefix) {
        Config level = schema;
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            String shown = shownPrefix + String.join(".", keys.subList(0, i + 1));
            if (!level.root().containsKey(key)) {
                return "unknown key \"" + shown + "\"" + suggestion(key, level.root().keySet());
            }
            ConfigValue value = level.root().get(key);
            if (i == keys.size() - 1) {
                return value.valueType() == ConfigValueType.OBJECT && !((ConfigObject) value).isEmpty()
                        ? shown + ": expected an object { ... }" : null;
            }
            if (value.valueType() != ConfigValueType.OBJECT) {
                return "unknown key \"" + shownPrefix + String.join(".", keys) + "\" (" + shown + " is not an object)";
            }
            level = ((ConfigObject) value).toConfig();
        }
        return null;
    }

    static String suggestion(String key, Set<String> candidates) {
        return Suggestions.closest(key, candidates).map(best -> " (did you mean \"" + best + "\"?)").orElse("");
    }
}
