package org.pmult.server.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Entry point for reading pmult's configuration. The file name decides the syntax
 * ({@link ConfigFormat#of}): {@code .hocon}, {@code .json} and {@code .properties} are Typesafe
 * Config (over {@code reference.conf}); anything else is GNU pmult.conf syntax (which also reads the
 * {@code program pmult} block of a shared mailfromd.conf). Without a file pmult runs on the built-in
 * defaults: listen on {@code inet://127.0.0.1:3333}, and, if mailfromd's default socket exists, that
 * mailfromd as the one client; else no clients.
 *
 * <p>Reading does blocking file I/O; a reload must run off the event loops.
 */
public final class ConfigLoader {

    /** Read when no {@code --config} is given, if it exists. */
    public static final Path DEFAULT_CONFIG = Path.of("/etc/pmult/pmult.conf");
    /**
     * Where GNU mailfromd listens unless told otherwise: socket {@code mailfrom} in its state directory
     * {@code /var/lib/mailfromd} (Debian's package; {@code mailfromd --show-defaults}). Without a
     * configuration file pmult uses it as its client if it exists.
     */
    public static final Path MAILFROMD_DEFAULT_SOCKET = Path.of("/var/lib/mailfromd/mailfrom");
    /** The client's name when pmult found mailfromd's default socket. */
    public static final String MAILFROMD_CLIENT = "mailfromd";

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
     * built-in defaults, with mailfromd as client if {@code mailfromdSocket} exists
     * ({@link #readBuiltin(Path)}).
     */
    public static LoadedConfig readStartupConfig(Optional<Path> explicit, Path defaultFile, Path mailfromdSocket) {
        if (explicit.isPresent()) {
            return read(explicit.get());
        }
        if (Files.exists(defaultFile)) {
            return read(defaultFile);
        }
        return readBuiltin(mailfromdSocket);
    }

    /**
     * The built-in defaults, and, if {@code mailfromdSocket} exists and is a socket (mailfromd runs,
     * or ran, with its default settings), one client {@value #MAILFROMD_CLIENT} there with the
     * default client settings. A note says which.
     */
    public static LoadedConfig readBuiltin(Path mailfromdSocket) {
        if (!isSocket(mailfromdSocket)) {
            return readBuiltin();
        }
        LoadedConfig loaded = HoconConfigReader.builtinWithClient(MAILFROMD_CLIENT, "unix://" + mailfromdSocket);
        List<ConfigNote> notes = new ArrayList<>();
        notes.add(ConfigNote.info("no configuration file; using the built-in defaults (listen "
                + loaded.config().listen().get(0).endpoint() + ") and mailfromd's default socket unix:"
                + mailfromdSocket + " as client \"" + MAILFROMD_CLIENT + "\" (write " + DEFAULT_CONFIG
                + " to choose other milters)"));
        notes.addAll(loaded.notes());
        return new LoadedConfig(loaded.config(), Optional.empty(), ConfigFormat.BUILTIN, notes);
    }

    private static boolean isSocket(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).isOther();
        } catch (IOException e) {
            return false; // absent or unreadable: no mailfromd to use
        }
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
