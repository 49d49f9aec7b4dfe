package org.pmult.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A loaded configuration with where it came from and what the loader wants the operator to know.
 *
 * @param config the configuration
 * @param source the file read; empty for the built-in defaults
 * @param format how it was parsed
 * @param notes  remarks to log at startup and print with {@code --config-test}
 */
public record LoadedConfig(PmultConfig config, Optional<Path> source, ConfigFormat format, List<ConfigNote> notes) {

    public LoadedConfig {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(format, "format");
        notes = List.copyOf(notes);
    }

    /** The same source and notes with {@code replaced} as the configuration (e.g. after {@code --url}). */
    public LoadedConfig withConfig(PmultConfig replaced) {
        return new LoadedConfig(replaced, source, format, notes);
    }
}
