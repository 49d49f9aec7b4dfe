package org.pmult.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * TCP service names from {@code /etc/services}, because mailfromd lets a port be written as a
 * service name ({@code inet:smtp@host}). Read only while parsing configuration, never on the hot path.
 */
final class ServiceNames {

    static final Path ETC_SERVICES = Path.of("/etc/services");

    private ServiceNames() {
    }

    /** The TCP port for {@code name} (a service name or one of its aliases), if the file lists it. */
    static OptionalInt tcpPort(String name) {
        return tcpPort(name, ETC_SERVICES);
    }

    static OptionalInt tcpPort(String name, Path servicesFile) {
        List<String> lines;
        try {
            lines = Files.readAllLines(servicesFile, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return OptionalInt.empty();
        }
        String wanted = name.toLowerCase(Locale.ROOT);
        for (String line : lines) {
            int hash = line.indexOf('#');
            String[] fields = (hash >= 0 ? line.substring(0, hash) : line).trim().split("\\s+");
            if (fields.length < 2 || !fields[1].endsWith("/tcp")) {
                continue;
            }
            for (int i = 0; i < fields.length; i++) {
                if (i != 1 && fields[i].toLowerCase(Locale.ROOT).equals(wanted)) {
                    try {
                        return OptionalInt.of(Integer.parseInt(fields[1].substring(0, fields[1].indexOf('/'))));
                    } catch (NumberFormatException e) {
                        return OptionalInt.empty();
                    }
                }
            }
        }
        return OptionalInt.empty();
    }
}
