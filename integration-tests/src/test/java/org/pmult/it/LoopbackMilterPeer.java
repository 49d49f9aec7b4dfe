package org.pmult.it;

import java.nio.file.Path;
import java.util.Map;

/**
 * A real milter started by a {@code peers/start-*.sh} script on a free loopback TCP port, known by
 * its socket in Sendmail's spelling ({@code inet:PORT@127.0.0.1}, as pmult's {@code url} takes it).
 * Closing stops it through its {@link PeerProcess}.
 */
abstract class LoopbackMilterPeer implements AutoCloseable {

    private final String name;
    private final String socketSpec;
    private final PeerProcess process;

    /** Starts {@code peers/SCRIPT} in {@code workDir} on a free port; {@code name} is for messages. */
    LoopbackMilterPeer(String name, String script, Path workDir) {
        this.name = name;
        this.socketSpec = "inet:" + PeerProcess.freeLoopbackPort() + "@127.0.0.1";
        this.process = PeerProcess.start(script, socketSpec, workDir, Map.of());
    }

    /** Where the milter listens, as pmult's {@code url}. */
    final String socketSpec() {
        return socketSpec;
    }

    /** A file of the peer's work directory as text, "" when it does not exist. */
    final String read(String fileName) {
        return process.read(fileName);
    }

    @Override
    public final void close() {
        process.close();
    }

    @Override
    public final String toString() {
        return name + " " + socketSpec + " (pid " + process.pid() + ")";
    }
}
