package org.pmult.server.metrics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The systemd unit's promises, and {@code install.sh} run for real into a staging directory. */
class PackagingTest {

    private static final Path PACKAGING = Path.of("..", "packaging");

    private static List<String> unitLines() throws IOException {
        return Files.readAllLines(PACKAGING.resolve("systemd/pmult.service"), StandardCharsets.UTF_8);
    }

    private record Run(int exitCode, String output) {
    }

    private static Run install(Path destdir, Path jar, String... extra) throws Exception {
        Path simJar = jar.resolveSibling("pmult-sim.jar");
        if (!Files.exists(simJar)) {
            Files.writeString(simJar, "not really the simulator");
        }
        return install(destdir, jar, simJar, extra);
    }

    private static Run install(Path destdir, Path jar, Path simJar, String... extra) throws Exception {
        List<String> command = new ArrayList<>(List.of("/bin/sh", PACKAGING.resolve("install.sh").toString(),
                "--destdir", destdir.toString(), "--jar", jar.toString(), "--sim-jar", simJar.toString()));
        command.addAll(List.of(extra));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "install.sh did not finish");
        return new Run(process.exitValue(), output);
    }

    private static String mode(Path file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }

    @Test
    void unitRunsTheJarInTheForegroundAsPmult() throws IOException {
        List<String> unit = unitLines();

        assertTrue(unit.contains("Type=simple"));
        assertTrue(unit.contains("ExecStart=/usr/bin/java $PMULT_JAVA_OPTS -jar /usr/share/pmult/pmult.jar"
                + " --foreground --config /etc/pmult/pmult.conf"));
        assertTrue(unit.contains("ExecReload=/bin/kill -HUP $MAINPID"));
        assertTrue(unit.contains("EnvironmentFile=-/etc/default/pmult"));
        assertTrue(unit.contains("User=pmult"));
        assertTrue(unit.contains("Group=pmult"));
        assertTrue(unit.contains("RuntimeDirectory=pmult"));
        assertTrue(unit.contains("Restart=on-failure"));
        assertTrue(unit.contains("LimitNOFILE=65536"));
    }

    @Test
    void unitIsSandboxed() throws IOException {
        List<String> unit = unitLines();

        for (String directive : List.of("NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
                "PrivateTmp=yes", "PrivateDevices=yes", "ProtectKernelTunables=yes", "ProtectKernelModules=yes",
                "ProtectKernelLogs=yes", "ProtectControlGroups=yes",
                "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "RestrictNamespaces=yes", "LockPersonality=yes",
                "SystemCallArchitectures=native", "CapabilityBoundingSet=", "ReadWritePaths=/run/pmult",
                "MemoryDenyWriteExecute=no")) {
            assertTrue(unit.contains(directive), "missing " + directive);
        }
        int mdwe = unit.indexOf("MemoryDenyWriteExecute=no");
        String commentAbove = String.join("\n", unit.subList(mdwe - 2, mdwe));
        assertTrue(commentAbove.startsWith("#") && commentAbove.contains("JIT"), "the unit says why: " + commentAbove);
    }

    @Test
    void installScriptStagesEveryFileAndKeepsEditedConfiguration(@TempDir Path temp) throws Exception {
        Path jar = Files.writeString(temp.resolve("pmult.jar"), "not really a jar");
        Path root = temp.resolve("root");

        Run first = install(root, jar);

        assertEquals(0, first.exitCode(), first.output());
        assertTrue(first.output().contains("nothing started"), first.output());
        assertEquals("not really a jar", Files.readString(root.resolve("usr/share/pmult/pmult.jar")));
        assertEquals("not really the simulator", Files.readString(root.resolve("usr/share/pmult/pmult-sim.jar")),
                "pmult-sim beside pmult");
        assertEquals("rwxr-xr-x", mode(root.resolve("usr/local/bin/pmult-sim")));
        assertTrue(Files.readString(root.resolve("usr/local/bin/pmult-sim")).contains("-jar /usr/share/pmult/pmult-sim.jar \"$@\""));
        for (String file : List.of("etc/systemd/system/pmult.service", "usr/lib/sysusers.d/pmult.conf",
                "etc/default/pmult", "usr/share/pmult/grafana/pmult-dashboard.json", "usr/share/doc/pmult/operations.md")) {
            assertTrue(Files.isRegularFile(root.resolve(file)), file);
        }
        assertEquals("rw-r-----", mode(root.resolve("etc/pmult/pmult.conf")));
        assertEquals("rw-r-----", mode(root.resolve("etc/pmult/logback.xml")));
        assertEquals("rwxr-x---", mode(root.resolve("etc/pmult")));
        assertEquals(Files.readString(PACKAGING.resolve("pmult.conf")), Files.readString(root.resolve("etc/pmult/pmult.conf")));

        Path conf = root.resolve("etc/pmult/pmult.conf");
        Files.writeString(conf, "listen inet://127.0.0.1:3333;\n");
        Files.writeString(jar, "a newer jar");

        Run second = install(root, jar);

        assertEquals(0, second.exitCode(), second.output());
        assertEquals("listen inet://127.0.0.1:3333;\n", Files.readString(conf), "edited configuration kept");
        assertEquals(Files.readString(PACKAGING.resolve("pmult.conf")), Files.readString(root.resolve("etc/pmult/pmult.conf.new")));
        assertEquals("a newer jar", Files.readString(root.resolve("usr/share/pmult/pmult.jar")), "jar upgraded");

        Files.writeString(conf, Files.readString(PACKAGING.resolve("pmult.conf")));
        Run third = install(root, jar);

        assertEquals(0, third.exitCode(), third.output());
        assertFalse(Files.exists(root.resolve("etc/pmult/pmult.conf.new")), "stale .new removed once identical");
    }

    @Test
    void installScriptRefusesWhatItCannotDo(@TempDir Path temp) throws Exception {
        Path jar = Files.writeString(temp.resolve("pmult.jar"), "jar");

        Run start = install(temp.resolve("root"), jar, "--start");
        Run missingJar = install(temp.resolve("root"), temp.resolve("missing.jar"));
        Run unknown = install(temp.resolve("root"), jar, "--bogus");
        Run missingSimJar = install(temp.resolve("root"), jar, temp.resolve("missing-sim.jar"));

        assertEquals(2, start.exitCode(), start.output());
        assertEquals(1, missingJar.exitCode(), missingJar.output());
        assertTrue(missingJar.output().contains("jar not found: "), missingJar.output());
        assertEquals(1, missingSimJar.exitCode(), missingSimJar.output());
        assertTrue(missingSimJar.output().contains("pmult-sim jar not found: "), missingSimJar.output());
        assertEquals(2, unknown.exitCode(), unknown.output());
        assertTrue(unknown.output().contains("unknown option: --bogus"), unknown.output());
        assertFalse(Files.exists(temp.resolve("root/usr/share/pmult/pmult.jar")), "nothing installed");
    }
}
