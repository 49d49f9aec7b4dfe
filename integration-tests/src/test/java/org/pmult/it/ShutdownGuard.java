package org.pmult.it;

/**
 * A peer's stop action, run when the test closes the peer, or by a JVM shutdown hook if the test
 * run dies before closing: no test leaves a milter, MTA or balancer running.
 */
final class ShutdownGuard implements AutoCloseable {

    private final Runnable stop;
    private final Thread hook;

    /** Registers {@code stop} as a shutdown hook named {@code name}. */
    ShutdownGuard(String name, Runnable stop) {
        this.stop = stop;
        this.hook = new Thread(stop, name);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Runs the stop action now, and no longer at exit. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        stop.run();
    }
}
