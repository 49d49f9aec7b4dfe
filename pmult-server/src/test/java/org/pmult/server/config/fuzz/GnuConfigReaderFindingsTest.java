package org.pmult.server.config.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.server.config.ConfigException;
import org.pmult.server.config.ConfigLoader;

/**
 * What fuzzing the pmult.conf reader found, each pinned as a readable test (the crashing inputs
 * themselves are seeds of {@link GnuConfigReaderFuzzTest}).
 */
class GnuConfigReaderFindingsTest {

    @TempDir
    Path dir;

    private ConfigException failure(String text) throws IOException {
        Path file = Files.writeString(dir.resolve("pmult.conf"), text);
        return assertThrows(ConfigException.class, () -> ConfigLoader.read(file));
    }

    @Test
    void rejectsAPidfileWithANulByteAtItsLine() throws IOException {
        // Was: java.nio.file.InvalidPathException escaping the reader.
        ConfigException e = failure("listen inet://127.0.0.1:3333;\npidfile \"/run/pmult\\0.pid\";\n".replace("\\0", "\0"));
        assertEquals(dir.resolve("pmult.conf") + ":2", e.location());
        assertEquals("pidfile: bad file name \"/run/pmult\\0.pid\" (Nul character not allowed)", e.problem());
    }

    @Test
    void rejectsAnIncludeWithANulByteAtItsLine() throws IOException {
        ConfigException e = failure("\ninclude \"other\0.conf\";\n");
        assertEquals(dir.resolve("pmult.conf") + ":2", e.location());
        assertEquals("include: bad file name \"other\\0.conf\" (Nul character not allowed)", e.problem());
    }
}
