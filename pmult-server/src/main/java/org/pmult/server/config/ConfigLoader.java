package org.pmult.server.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Entry point for reading pmult's configuration. The file name decides the syntax
 * ({@link ConfigFormat#of}): {@code .hocon}, {@code .json} and {@code .properties} are Typesafe
 * Config (over {@code reference.conf}); anything else is GNU pmult.conf syntax (which also reads the
 * {@code program pmult} block of a shared mailfromd.conf). Without a file pmult runs on the built-in
 * defaults: listen on {@code inet://127.0.0.1:3333}, no clients.
 *
 * <p>Reading does blocking file I/O; a reload must run off the event loops.
 */
public final class ConfigLoader {

    /** Read when no {@code --config} is given, if it exists. */
    public static final Path DEFAULT_CONFIG = Path.of("/etc/pmult/pmult.conf");

    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);
    private static volatile PmultConfig builtin;

    private ConfigLoader() {
    }

    /**
     * Reads {@code file}, logs its notes, and returns the configuration.
     *
     * @throws ConfigException naming file, line and problem
     */
    public static PmultConfig load(Path file) {
        LoadedConfig loaded = read(file);
        logNotes(loaded);
        return loaded.config();
    }

    /**
     * Reads {@code file} in the syntax its name implies, without logging.
     *
     * @throws ConfigException naming file, line and problem
     */
    public static LoadedConfig read(Path file) {
        if (Files.isDirectory(file)) {
            throw new ConfigException(file.toString(), "is a directory (expected: a configuration file)");
        }
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(file.toString(), "no such file");
        }
        return switch (ConfigFormat.of(file)) {
            case HOCON -> HoconConfigReader.read(file);
            case GNU_PMULT, BUILTIN -> GnuConfigReader.read(file);
        };
    }

    /**
     * What pmult runs with: {@code explicit} if given, else {@code defaultFile} if it exists, else the
     * built-in defaults.
     */
    public static LoadedConfig readStartupConfig(Optional<Path> explicit, Path defaultFile) {
        if (explicit.isPresent()) {
            return read(explicit.get());
        }
        if (Files.exists(defaultFile)) {
            return read(defaultFile);
        }
        return readBuiltin();
    }

    /** The built-in defaults with their notes (no clients). */
    public static LoadedConfig readBuiltin() {
        LoadedConfig loaded = HoconConfigReader.builtin();
        List<ConfigNote> notes = new ArrayList<>();
        notes.add(ConfigNote.info("no configuration file; using the built-in defaults (listen "
                + loaded.config().listen().get(0).endpoint() + ")"));
        notes.addAll(loaded.notes());
        return new LoadedConfig(loaded.config(), Optional.empty(), ConfigFormat.BUILTIN, notes);
    }

    /** The built-in defaults from {@code reference.conf}. */
    public static PmultConfig builtinDefaults() {
        PmultConfig config = builtin;
        if (config == null) {
            config = HoconConfigReader.builtin().config();
            builtin = config;
        }
        return config;
    }

    /** Logs each note at info or warn, under this class's logger. */
    public static void logNotes(LoadedConfig loaded) {
        for (ConfigNote note : loaded.notes()) {
            if (note.severity() == ConfigNote.Severity.WARNING) {
                log.warn("{}", note.text());
            } else {
                log.info("{}", note.text());
            }
        }
    }

    /** Remarks every configuration gets, whatever its syntax. */
    static List<ConfigNote> standardNotes(PmultConfig config) {
        List<ConfigNote> notes = new ArrayList<>();
        if (config.clients().isEmpty()) {
            notes.add(ConfigNote.warning("no clients configured: pmult answers CONTINUE to every MeTA1 command"
                    + " (add a client block naming a milter)"));
        }
        return notes;
    }
}
