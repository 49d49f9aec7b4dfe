package org.pmult.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real OpenDKIM (Debian's opendkim) as a Milter peer on a free loopback port, started through
 * {@code integration-tests/peers/start-opendkim.sh} with an {@code opendkim.conf} written here:
 * a signer for a {@link DkimKey} with one canonicalization, or a verifier that takes the key from a
 * {@code TestPublicKeys} file instead of DNS.
 */
final class OpendkimPeer extends LoopbackMilterPeer {

    static final Path OPENDKIM = Path.of("/usr/sbin/opendkim");

    /** The SMTP clients the signer signs for (opendkim's InternalHosts); the tests connect from here. */
    static final String SIGNING_CLIENT = "192.0.2.25";

    private OpendkimPeer(Path workDir) {
        super("opendkim", "start-opendkim.sh", workDir);
    }

    /** Signs mail from {@link #SIGNING_CLIENT} with {@code key}, canonicalization e.g. {@code relaxed/relaxed}. */
    static OpendkimPeer signer(DkimKey key, String canonicalization) {
        return start("""
                Mode s
                Domain %s
                Selector %s
                KeyFile %s
                Canonicalization %s
                InternalHosts 127.0.0.1, %s
                RequireSafeKeys no
                """.formatted(key.domain(), key.selector(), key.privateKey(), canonicalization, SIGNING_CLIENT));
    }

    /** Verifies signatures made with {@code key} and adds Authentication-Results ({@code pmult-test; dkim=…}). */
    static OpendkimPeer verifier(DkimKey key) {
        return start(key.verifierSettings());
    }

    private static OpendkimPeer start(String settings) {
        PeerProcess.requireInstalled(OPENDKIM, "opendkim opendkim-tools");
        Path workDir = PeerProcess.newWorkDir("opendkim");
        try {
            Files.writeString(workDir.resolve("opendkim.conf"), settings + "Syslog no\nPidFile "
                    + workDir.resolve("opendkim.own.pid") + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            PeerProcess.deleteRecursively(workDir);
            throw new UncheckedIOException(e);
        }
        return new OpendkimPeer(workDir);
    }

    /** opendkim's stderr (it logs to syslog only, so this is start-up trouble at most). */
    String log() {
        return read("opendkim.log");
    }
}
