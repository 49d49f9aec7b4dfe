package org.pmult.it;

import java.nio.file.Path;

/**
 * The real rspamd (Debian's rspamd) as a Milter peer on a free loopback port: its proxy worker in
 * milter mode scanning by itself, started through {@code integration-tests/peers/start-rspamd.sh}
 * with the private configuration in {@code integration-tests/peers/rspamd/} (no redis, no network;
 * a Subject containing {@code SOFTREJECT} gets rspamd's soft reject).
 */
final class RspamdPeer extends LoopbackMilterPeer {

    static final Path RSPAMD = Path.of("/usr/bin/rspamd");

    /** rspamd's reply to a message with the GTUBE test string. */
    static final String GTUBE_REJECT = "554 5.7.1 Gtube pattern";

    private RspamdPeer() {
        super("rspamd", "start-rspamd.sh", PeerProcess.newWorkDir("rspamd"));
    }

    private static RspamdPeer shared;

    /**
     * One rspamd for every test class of this JVM (it takes seconds to start on a busy machine);
     * stopped by its shutdown hook when the test JVM exits. Do not close it.
     */
    static synchronized RspamdPeer shared() {
        if (shared == null) {
            shared = start();
        }
        return shared;
    }

    static RspamdPeer start() {
        PeerProcess.requireInstalled(RSPAMD, "rspamd");
        return new RspamdPeer();
    }

    /** rspamd's log, for failure messages. */
    String log() {
        return read("rspamd.log");
    }
}
