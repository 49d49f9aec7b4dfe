package org.pmult.server.config;

import java.util.Objects;
import java.util.function.Function;

/**
 * One setting's value as a configuration file gave it, with where and under which name, so that a
 * later check can name both: {@code pmult.conf:12: client "spam": read-timeout: ...}.
 *
 * @param value    the value, parsed as far as the file's syntax goes (a duration, a number, text)
 * @param location where the setting stands
 * @param setting  the setting as its file's syntax names it, for messages: {@code client "mfd": eom-timeout}
 *                 in pmult.conf, {@code clients.mfd.timeouts.eom} in HOCON
 */
record Located<T>(T value, ConfigLocation location, String setting) {

    Located {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(setting, "setting");
    }

    /** The same setting with its value converted; a conversion's IllegalArgumentException is reported here. */
    <R> Located<R> map(Function<? super T, ? extends R> conversion) {
        return new Located<>(convert(conversion), location, setting);
    }

    /** The value converted; a conversion's IllegalArgumentException becomes an error at this setting. */
    <R> R convert(Function<? super T, ? extends R> conversion) {
        try {
            return conversion.apply(value);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    /** An error at this setting: {@code LOCATION: SETTING: PROBLEM}. */
    ConfigException error(String problem) {
        return new ConfigException(location.toString(), setting + ": " + problem);
    }
}
