package org.pmult.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A DKIM key pair made by {@code opendkim-genkey} in a directory, with the public key also written
 * as an opendkim {@code TestPublicKeys} file (so verifying needs no DNS), and opendkim's own test
 * mode ({@code opendkim -t}) as an independent verifier of exact message bytes.
 */
final class DkimKey implements AutoCloseable {

    static final Path GENKEY = Path.of("/usr/sbin/opendkim-genkey");
    private static final Pattern QUOTED = Pattern.compile("\"([^\"]*)\"");

    private final Path dir;
    private final String domain;
    private final String selector;

    private DkimKey(Path dir, String domain, String selector) {
        this.dir = dir;
        this.domain = domain;
        this.selector = selector;
    }

    /** Generates a 1024-bit RSA key for {@code selector._domainkey.domain} in {@code dir}. */
    static DkimKey generate(Path dir, String domain, String selector) {
        PeerProcess.requireInstalled(GENKEY, "opendkim-tools");
        PeerProcess.run(List.of(GENKEY.toString(), "-b", "1024", "-d", domain, "-s", selector, "-D", dir.toString()),
                Map.of());
        DkimKey key = new DkimKey(dir, domain, selector);
        key.writeTestPublicKeys();
        key.writeStandaloneVerifierConfig();
        return key;
    }

    /**
     * The key the opendkim tests sign with, selector {@code pmult} for {@code example.org}, in a new
     * temporary directory which {@link #close} deletes; skips the test unless opendkim is installed.
     */
    static DkimKey forOpendkimTests() throws IOException {
        PeerProcess.requireInstalled(OpendkimPeer.OPENDKIM, "opendkim opendkim-tools");
        Path dir = Files.createTempDirectory("pmult-dkim-key-");
        try {
            return generate(dir, "example.org", "pmult");
        } catch (RuntimeException e) {
            PeerProcess.deleteRecursively(dir);
            throw e;
        }
    }

    /** Deletes the key's directory. */
    @Override
    public void close() {
        PeerProcess.deleteRecursively(dir);
    }

    String domain() {
        return domain;
    }

    String selector() {
        return selector;
    }

    Path privateKey() {
        return dir.resolve(selector + ".private");
    }

    /** {@code NAME RECORD} lines: the TXT record opendkim-genkey wrote, under its full DNS name. */
    Path testPublicKeys() {
        return dir.resolve("test-public-keys");
    }

    /**
     * Verifies {@code message} (exact bytes, CRLF line ends) with {@code opendkim -t}: opendkim's
     * test mode runs its filter on a file, without any MTA in between. Returns opendkim's output,
     * which says {@code verification (...) succeeded} when every signature passed.
     */
    String verifyStandalone(byte[] message) {
        try {
            Path file = Files.createTempFile(dir, "message-", ".eml");
            Files.write(file, message);
            return PeerProcess.run(List.of(OpendkimPeer.OPENDKIM.toString(), "-x",
                    dir.resolve("verify-t.conf").toString(), "-vv", "-t", file.toString()), Map.of("LC_ALL", "C"))
                   ;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Verifies {@code message} (exact bytes) with dkimpy (Debian's python3-dkim) through
     * {@code peers/dkim-verify.py}: a DKIM implementation that shares nothing with OpenDKIM, so a
     * header OpenDKIM rebuilt differently from the bytes smtps delivers shows. Returns its output,
     * whose last line is {@code pass} or {@code fail}.
     */
    String verifyWithDkimpy(byte[] message) {
        // the package directory: requireInstalled takes what it can enter or run
        PeerProcess.requireInstalled(Path.of("/usr/lib/python3/dist-packages/dkim"), "python3-dkim");
        try {
            Path file = Files.createTempFile(dir, "message-", ".eml");
            Files.write(file, message);
            try {
                return PeerProcess.run(List.of(PeerProcess.peersDirectory().resolve("dkim-verify.py").toString(),
                        testPublicKeys().toString(), file.toString()), Map.of());
            } catch (IllegalStateException failed) {
                return failed.getMessage();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts that {@code opendkim -t} verifies {@code message}; {@code what} says which message it is. */
    void assertVerifiesStandalone(byte[] message, String what) {
        String output = verifyStandalone(message);
        assertTrue(output.contains("verification (s=" + selector + ", d=" + domain + ", 1024-bit key) succeeded"),
                () -> "opendkim -t on " + what + ":\n" + output + "\n--- message:\n"
                        + new String(message, StandardCharsets.ISO_8859_1));
    }

    /** Asserts that dkimpy verifies {@code message}; {@code what} says which message it is. */
    void assertVerifiesWithDkimpy(byte[] message, String what) {
        String output = verifyWithDkimpy(message);
        assertTrue(output.strip().endsWith("pass"), () -> "dkimpy on " + what + ":\n" + output + "\n--- message:\n"
                + new String(message, StandardCharsets.ISO_8859_1));
    }

    /** The settings a verifying opendkim needs for this key (no DNS). */
    String verifierSettings() {
        return """
                Mode v
                TestPublicKeys %s
                AuthservID pmult-test
                AlwaysAddARHeader yes
                RequireSafeKeys no
                """.formatted(testPublicKeys());
    }


    private void writeTestPublicKeys() {
        try {
            String txt = Files.readString(dir.resolve(selector + ".txt"), StandardCharsets.US_ASCII);
            StringBuilder record = new StringBuilder();
            Matcher quoted = QUOTED.matcher(txt);
            while (quoted.find()) {
                record.append(quoted.group(1));
            }
            Files.writeString(testPublicKeys(), selector + "._domainkey." + domain + " " + record + "\n",
                    StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeStandaloneVerifierConfig() {
        try {
            Files.writeString(dir.resolve("verify-t.conf"), verifierSettings() + "Syslog no\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
