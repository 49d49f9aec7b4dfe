package org.pmult.it;

/**
 * A test's clean-up: closes what it started in the order given (pmult before the milters it talks
 * to), every one even when one before it failed, skipping what was never started (null); the first
 * failure is thrown with the later ones suppressed.
 */
final class Teardown {

    private Teardown() {
    }

    static void closeInOrder(AutoCloseable... resources) {
        Throwable first = null;
        for (AutoCloseable resource : resources) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            } catch (Exception | Error e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first instanceof RuntimeException unchecked) {
            throw unchecked;
        }
        if (first instanceof Error error) {
            throw error;
        }
        if (first != null) {
            throw new IllegalStateException("clean-up failed", first);
        }
    }
}
