package org.pmult.server.config;

import java.nio.file.Path;
import java.util.Locale;

/** Where a configuration came from, which decides the parser. */
public enum ConfigFormat {
    /** Typesafe Config: files ending in {@code .hocon}, {@code .json} or {@code .properties}. */
    HOCON("HOCON"),
    /** GNU pmult / Mailutils statement syntax: every other file name (pmult.conf, mailfromd.conf). */
    GNU_PMULT("GNU pmult.conf syntax"),
    /** No file: {@code reference.conf} only. */
    BUILTIN("built-in defaults");

    private final String description;

    ConfigFormat(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** The format a file is read in, decided by its name alone. */
    public static ConfigFormat of(Path file) {
        Path name = file.getFileName();
        String lower = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
        return lower.endsWith(".hocon") || lower.endsWith(".json") || lower.endsWith(".properties") ? HOCON : GNU_PMULT;
    }
}
